# SPDX-License-Identifier: GPL-2.0
#
# Show a guest run as it happens. verbose=1 prints everything the steps
# print (make run, make guest); otherwise one line per step plus the
# failing cases (make check).

function clean(s) { sub(/\r$/, "", s); return s }

{
	line = clean($0)
	if (line ~ /^@@iob:begin /) {
		split(line, f, " ")
		step = f[3]
		if (verbose)
			print "---- " step " ----"
		else
			printf "  %-28s ", step
		fflush()
		next
	}
	if (line ~ /^@@iob:end /) {
		split(line, f, " ")
		if (!verbose)
			print f[3] (f[4] != "" ? " " f[4] : "")
		fflush()
		next
	}
	if (line ~ /^@@iob:error /) {
		print "  " substr(line, 7)
		fflush()
		next
	}
	if (line ~ /^@@iob:done/)
		next
	if (verbose || line ~ /^(    )?not ok /) {
		print (verbose ? "" : "\n    ") line
		fflush()
	}
}
