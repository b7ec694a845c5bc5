# SPDX-License-Identifier: GPL-2.0
#
# Turn a guest run into a verdict. Reads result streams framed by @@iob
# markers (the host's lint, the guest's result channel) and, last, the
# kernel console; counts every test case and fails on anything the kernel
# reported. Prints the failures, a line of counts for each of Linux's own
# selftests named in upstream, and a last line "N passed, N failed" whose
# totals include those.
#
#   awk -v qemu_status=N [-v inputs=TEXT] [-v upstream='SUITE ...']
#       [-v excluded='fixture NAME, test NAME'] -f report.awk
#       [lint.log] results.log console.log
#
# excluded is what the first suite of upstream was told to leave out
# (selftests/upstream_excluded); it is repeated on that suite's line.

function flunk(why) {
	failed++
	fails[failed] = why
}

function end_block(status,    ran) {
	ran = oks + noks
	if (kind == "tap" || kind == "ktap") {
		if (status == "missing")
			flunk(name ": no results (suite did not run)")
		else if (plan < 0)
			flunk(name ": no test plan printed (" status ")")
		else if (ran != plan)
			flunk(name ": " ran " of " plan " planned cases reported (" status ")")
		else if (status != "exit=0" && noks == 0)
			flunk(name ": ended with " status)
	} else if (kind == "text") {
		if (status == "exit=0")
			passed++
		else
			flunk(name ": ended with " status)
	} else if (kind == "kmemleak") {
		if (leaks)
			flunk("kmemleak: " leaks " unreferenced object(s) after the tests")
	}
	count_upstream()
	kind = ""
}

# What the step that just ended added to the totals, for an upstream suite.
function count_upstream() {
	if (kind == "tap" && name in is_upstream) {
		up_ran[name] = 1
		up_passed[name] += passed - passed0
		up_failed[name] += failed - failed0
	}
}

BEGIN {
	passed = 0; failed = 0; done = 0; kind = ""
	n_upstream = split(upstream, upstream_names, " ")
	for (i = 1; i <= n_upstream; i++)
		is_upstream[upstream_names[i]] = 1
}

# --- result channel ---------------------------------------------------
FILENAME != ARGV[ARGC - 1] {
	sub(/\r$/, "")
	if ($0 ~ /^@@iob:begin /) {
		kind = $2; name = $3; oks = 0; noks = 0; plan = -1; leaks = 0
		passed0 = passed; failed0 = failed
		next
	}
	if ($0 ~ /^@@iob:end /) {
		if (kind != "")
			end_block($3)
		next
	}
	if ($0 ~ /^@@iob:error /) {
		flunk("guest: " substr($0, 13))
		next
	}
	if ($0 ~ /^@@iob:done/) {
		done = 1
		next
	}
	if (kind == "tap" || kind == "ktap") {
		# KUnit's cases sit one level (four spaces) inside the suite.
		ind = kind == "ktap" ? "    " : ""
		if ($0 ~ "^" ind "ok [0-9]+ ") {
			oks++
			if ($0 ~ /# (SKIP|XFAIL)/)
				flunk(name ": " $0 " (skipping is not passing)")
			else
				passed++
		} else if ($0 ~ "^" ind "not ok [0-9]+ ") {
			noks++
			flunk(name ": " $0)
		} else if ($0 ~ "^" ind "1\\.\\.[0-9]+$") {
			plan = substr($0, length(ind) + 4) + 0
		}
	} else if (kind == "kmemleak") {
		if ($0 ~ /unreferenced object/)
			leaks++
	}
	next
}

# --- kernel console ---------------------------------------------------
{
	sub(/\r$/, "")
	if ($0 ~ /(WARNING:|BUG:|Oops|Kernel panic|UBSAN:|Unable to handle|general protection|INFO: task .* blocked|rcu_.* stall|kmemleak: .*(suspected memory leak|disabled)|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU usage)/) {
		reports++
		flunk("kernel: " $0)
	} else if ($0 ~ /Call Trace:/) {
		traces++
	}
}

END {
	if (kind != "") {
		flunk(name ": output ends inside the step (guest died)")
		count_upstream()
	}
	if (!done)
		flunk("guest did not finish its plan (crash, panic or timeout)")
	if (qemu_status == 124)
		flunk("qemu timed out")
	else if (qemu_status != 0)
		flunk("qemu exited with status " qemu_status)
	if (traces && !reports)
		flunk("kernel: stack dump in the console log")
	for (i = 1; i <= failed && i <= 60; i++)
		print "FAIL: " fails[i]
	if (failed > 60)
		print "FAIL: ... and " failed - 60 " more"
	if (inputs != "")
		print inputs
	for (i = 1; i <= n_upstream; i++) {
		u = upstream_names[i]
		line = "upstream " u ": "
		if (u in up_ran)
			line = line up_passed[u] " passed, " up_failed[u] " failed"
		else
			line = line "did not run"
		if (i == 1 && excluded != "")
			line = line " (excluded: " excluded \
			       "; see selftests/upstream_excluded)"
		print line
	}
	print passed " passed, " failed " failed"
	exit failed ? 1 : 0
}
