# SPDX-License-Identifier: GPL-2.0
#
# Merge the benchmark output of the guests into one table.
#
#   awk -v rounds=R -f bench.awk iob-1.log up-1.log iob-2.log up-2.log ...
#
# Ratios are iobroker over upstream: above 1 means iobroker is faster
# (throughput) or uses more (memory). "pin%" is map throughput as a share
# of bare long-term pinning in the same guest and memory, at the same size,
# for maps that pin (with page tables). n/a marks what the reference kernel
# cannot do; the reason is printed at the end.

function human(b) {
	if (b >= 1073741824) return (b / 1073741824) "G"
	if (b >= 1048576) return (b / 1048576) "M"
	return (b / 1024) "K"
}

# Files alternate, one per boot: iobroker's, then upstream's, round after
# round. Every figure is kept per boot; the tables show their median.
FNR == 1 { file++; side = (file % 2) ? 1 : 2 }

# iobroker's boot ends with the VFIO part on vfio_iommu_spapr_tce, loaded
# as a module into the same kernel: a third side.
/^B info vfio-module$/ { side = 3 }

function sample(v, c, key, val) {
	c[side, key]++
	v[side, key, c[side, key]] = val
}

# The median of the samples of (s, key), into out[s, key].
function median(v, c, out, s, key,    n, i, j, t, a) {
	n = c[s, key]
	if (!n)
		return
	for (i = 1; i <= n; i++)
		a[i] = v[s, key, i] + 0
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	out[s, key] = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

# A ratio, with two decimals where one would hide a difference of 10%.
function fmt_ratio(r) {
	return sprintf(r < 10 ? "%.2f" : "%.1f", r)
}

# A header, then one line per op in @ops (1..@nops, names in @names) and
# key in @ord (0..@n-1): iobroker's figures, the reference's, the ratio;
# with @third, then the third side's time and iobroker's ratio to it.
function side_by_side(ord, n, ops, nops, names, us, gb, w, third,    t, i, k, line) {
	printf "%-" w "s %-15s %6s | %10s %10s | %10s %10s | %7s", "op", "window", "size",
	       "iob us", "iob GB/s", "vfio us", "vfio GB/s", "ratio"
	if (third)
		printf " | %8s %7s", "vmod us", "ratio"
	printf "\n"
	for (t = 1; t <= nops; t++) {
		for (i = 0; i < n; i++) {
			split(ord[i], k, " ")
			if (k[1] != ops[t])
				continue
			line = sprintf("%-" w "s %-15s %6s | ", names[k[1]], k[2], human(k[3]))
			if ((1, ord[i]) in gb)
				line = line sprintf("%10.1f %10.3f | ", us[1, ord[i]], gb[1, ord[i]])
			else
				line = line sprintf("%10s %10s | ", "n/a", "n/a")
			if ((2, ord[i]) in gb && gb[2, ord[i]] > 0 && (1, ord[i]) in gb)
				line = line sprintf("%10.1f %10.3f | %7s", us[2, ord[i]], gb[2, ord[i]],
						    fmt_ratio(gb[1, ord[i]] / gb[2, ord[i]]))
			else
				line = line sprintf("%10s %10s | %7s", "n/a", "n/a", "-")
			if (third && (3, ord[i]) in gb && gb[3, ord[i]] > 0 && (1, ord[i]) in gb)
				line = line sprintf(" | %8.1f %7s", us[3, ord[i]],
						    fmt_ratio(gb[1, ord[i]] / gb[3, ord[i]]))
			else if (third)
				line = line sprintf(" | %8s %7s", "n/a", "-")
			print line
		}
	}
}

/^B (map|unmap|pin|unpin|copy|uncopy) / {
	key = $2 " " $3 " " $4 " " $5
	sample(s_usec, c_usec, key, $6)
	sample(s_gbs, c_gbs, key, $7)
	if (!(key in seen)) {
		seen[key] = 1
		order[n++] = key
	}
}
/^B sparse / {
	sample(s_sparse, c_sparse, "sparse", $3)
}
/^B kmem / {
	key = $3 " " $4
	sample(s_kmem, c_kmem, key, $5)
	if (!(key in kseen)) {
		kseen[key] = 1
		korder[kn++] = key
	}
}
/^B tce / {
	key = $3 " " $4 " " $5
	sample(s_tusec, c_tusec, key, $6)
	sample(s_tgbs, c_tgbs, key, $7)
	if (!(key in tseen)) {
		tseen[key] = 1
		torder[tn++] = key
	}
}
/^B vfio / {
	key = $3 " " $4 " " $5
	sample(s_vusec, c_vusec, key, $6)
	sample(s_vgbs, c_vgbs, key, $7)
	if (!(key in vseen)) {
		vseen[key] = 1
		vorder[vn++] = key
	}
}
/^B access / {
	key = $3 " " $4 " " $5
	sample(s_ausec, c_ausec, key, $6)
	sample(s_agbs, c_agbs, key, $7)
	if (!(key in aseen)) {
		aseen[key] = 1
		aorder[an++] = key
	}
}
/^B listen / {
	key = $3 " " $4 " " $5
	sample(s_lusec, c_lusec, key, $6)
	if ($3 == "none" && !((key) in lseen)) {
		lseen[key] = 1
		lorder[ln++] = $4 " " $5
	}
}
# QEMU's pattern alone, in turns (rig.sh pages_turns): each line names
# its side. Every sample is kept for the pooled medians, and per boot in
# order, for the pairs: the k-th run on iobroker with the k-th on the
# module in the same boot.
/^B pages / {
	ps = ($3 == "iobroker") ? 1 : ($3 == "upstream") ? 2 : 3
	key = $4 " " $5 " " $6
	p_c[ps, key]++
	p_v[ps, key, p_c[ps, key]] = $7
	b_c[file, ps, key]++
	b_v[file, ps, key, b_c[file, ps, key]] = $7
	if (!(key in pseen)) {
		pseen[key] = 1
		porder[pn++] = key
	}
}
/^B skip / { skip[side, $3] = $4 }

END {
	for (sd = 1; sd <= 3; sd++)
		for (i = 0; i < vn; i++) {
			median(s_vusec, c_vusec, vusec, sd, vorder[i])
			median(s_vgbs, c_vgbs, vgbs, sd, vorder[i])
			if ((sd, vorder[i]) in vgbs)
				vsides[sd] = 1
		}
	for (sd = 1; sd <= 2; sd++) {
		for (i = 0; i < n; i++) {
			median(s_usec, c_usec, usec, sd, order[i])
			median(s_gbs, c_gbs, gbs, sd, order[i])
		}
		for (i = 0; i < kn; i++)
			median(s_kmem, c_kmem, kmem, sd, korder[i])
		for (i = 0; i < tn; i++) {
			median(s_tusec, c_tusec, tusec, sd, torder[i])
			median(s_tgbs, c_tgbs, tgbs, sd, torder[i])
		}
		for (i = 0; i < an; i++) {
			median(s_ausec, c_ausec, ausec, sd, aorder[i])
			median(s_agbs, c_agbs, agbs, sd, aorder[i])
		}
		for (i = 0; i < ln; i++) {
			median(s_lusec, c_lusec, lusec, sd, "none " lorder[i])
			median(s_lusec, c_lusec, lusec, sd, "monitor " lorder[i])
		}
		median(s_sparse, c_sparse, msparse, sd, "sparse")
		if ((sd, "sparse") in msparse)
			sparse[sd] = msparse[sd, "sparse"]
	}
	printf "Medians of %d boots of each kernel, in alternating order.\n\n", rounds ? rounds : 1
	printf "IOAS_MAP/IOAS_UNMAP throughput, iobroker vs Linux 6.12 iommufd, same guest and binary\n"
	printf "(tables: 0 = none, 1 = a mock device's, 2 = that plus a second HWPT; mem: small 64 KiB pages or huge 2 MiB hugetlb pages)\n\n"
	printf "%-6s %-6s %-6s %6s | %10s %10s | %10s %10s | %7s %6s %6s\n", "op", "tables",
	       "mem", "size", "iob us", "iob GB/s", "up us", "up GB/s", "ratio", "pin%", "floor"
	for (i = 0; i < n; i++) {
		split(order[i], k, " ")
		if (k[1] != "map" && k[1] != "unmap")
			continue
		up_us = ((2, order[i]) in usec) ? sprintf("%10.1f", usec[2, order[i]]) : sprintf("%10s", "n/a")
		up_gb = ((2, order[i]) in gbs) ? sprintf("%10.2f", gbs[2, order[i]]) : sprintf("%10s", "n/a")
		if ((2, order[i]) in gbs && gbs[2, order[i]] > 0)
			ratio = sprintf("%7.2f", gbs[1, order[i]] / gbs[2, order[i]])
		else
			ratio = sprintf("%7s", "-")
		pkey = (k[1] == "map" ? "pin" : "unpin") " 0 " k[3] " " k[4]
		if (k[2] > 0 && (1, pkey) in gbs && gbs[1, pkey] > 0)
			pin = sprintf("%5.0f%%", 100 * gbs[1, order[i]] / gbs[1, pkey])
		else
			pin = sprintf("%6s", "-")
		# The floor: bare (un)pinning plus table programming alone.
		ckey = (k[1] == "map" ? "copy " : "uncopy ") k[2] " " k[3] " " k[4]
		if (k[2] > 0 && (1, pkey) in usec && (1, ckey) in usec &&
		    usec[1, pkey] + usec[1, ckey] > 0)
			floor = sprintf("%6.2f", usec[1, order[i]] / (usec[1, pkey] + usec[1, ckey]))
		else
			floor = sprintf("%6s", "-")
		printf "%-6s %-6s %-6s %6s | %10.1f %10.2f | %s %s | %s %s %s\n", k[1], k[2], k[3],
		       human(k[4]), usec[1, order[i]], gbs[1, order[i]], up_us, up_gb, ratio, pin, floor
	}
	printf "\nfloor: iobroker's map time over bare pinning (gup_test, below) plus IOAS_COPY of the same memory\n"
	printf "already pinned into the same page tables (table programming alone, below); unmap over unpinning\n"
	printf "plus the unmap of that copy. 1.00 would be no bookkeeping at all.\n"
	printf "\nTable programming alone: IOAS_COPY of memory pinned by another IOAS, and its unmap (iobroker)\n"
	printf "%-6s %-6s %-6s %6s | %10s %10s\n", "op", "tables", "mem", "size", "iob us", "iob GB/s"
	for (i = 0; i < n; i++) {
		split(order[i], k, " ")
		if (k[1] != "copy" && k[1] != "uncopy")
			continue
		printf "%-6s %-6s %-6s %6s | %10.1f %10.2f\n", k[1], k[2], k[3], human(k[4]),
		       usec[1, order[i]], gbs[1, order[i]]
	}
	printf "\nBare long-term pinning, pin_user_pages_fast(FOLL_LONGTERM | FOLL_WRITE) in batches of 8192 pages (gup_test), each guest\n"
	printf "%-6s %-6s %6s | %10s %10s | %10s %10s\n", "op", "mem", "size", "iob us",
	       "iob GB/s", "up us", "up GB/s"
	for (i = 0; i < n; i++) {
		split(order[i], k, " ")
		if (k[1] != "pin" && k[1] != "unpin")
			continue
		printf "%-6s %-6s %6s | %10.1f %10.2f | %10.1f %10.2f\n", k[1], k[3], human(k[4]),
		       usec[1, order[i]], gbs[1, order[i]], usec[2, order[i]], gbs[2, order[i]]
	}
	printf "\nKernel memory for 1 GiB mapped (KiB, free memory before and after the map)\n"
	printf "%-6s %-6s | %10s | %10s | %7s\n", "tables", "mem", "iobroker", "upstream", "ratio"
	for (i = 0; i < kn; i++) {
		split(korder[i], k, " ")
		up = ((2, korder[i]) in kmem) ? sprintf("%10d", kmem[2, korder[i]]) : sprintf("%10s", "n/a")
		if ((2, korder[i]) in kmem && kmem[2, korder[i]] > 0)
			ratio = sprintf("%7.2f", kmem[1, korder[i]] / kmem[2, korder[i]])
		else
			ratio = sprintf("%7s", "-")
		printf "%-6s %-6s | %10d | %s | %s\n", k[1], k[2], kmem[1, korder[i]], up, ratio
	}
	if ((1 in sparse) || (2 in sparse)) {
		printf "\nKernel memory for 1 page pinned in a 64 GiB mapping (KiB, free memory before and after an access pins it; no page table)\n"
		printf "%-13s | %10s | %10s\n", "", "iobroker", "upstream"
		printf "%-13s | %10s | %10s\n", "1 page pinned", (1 in sparse) ? sparse[1] : "n/a", (2 in sparse) ? sparse[2] : "n/a"
	}
	printf "\nReal TCE tables: edu maps and unmaps into the hypervisor's tables, iobroker (iobroker-pci) vs VFIO's\n"
	printf "sPAPR TCE v2 container (vfio-pci) in the reference guest; same buffer, sizes and windows, two like-for-like\n"
	printf "pairs. Memory nothing has pinned: IOAS_MAP vs REGISTER_MEMORY + MAP_DMA, IOAS_UNMAP vs UNMAP_DMA +\n"
	printf "UNREGISTER_MEMORY. Memory pinned once up front: IOAS_COPY from a mapping of the buffer vs MAP_DMA of\n"
	printf "registered memory, IOAS_UNMAP vs UNMAP_DMA. Ratios are iobroker's throughput over VFIO's.\n"
	printf "(window: which window and its TCE size, then the memory: small 64 KiB pages or huge 2 MiB hugetlb pages)\n"
	split("pinmap unmapunpin map unmap", tops, " ")
	tname["pinmap"] = "pin+map"
	tname["unmapunpin"] = "unmap+unpin"
	tname["map"] = "map pinned"
	tname["unmap"] = "unmap"
	side_by_side(torder, tn, tops, 4, tname, tusec, tgbs, 11, 0)
	if (vn) {
		printf "\nVFIO's sPAPR TCE v2 container, one unmodified VFIO client (vfio-pci, /dev/vfio/vfio): iobroker's VFIO\n"
		printf "backend in the iobroker guest vs vfio_iommu_spapr_tce in the reference guest; same edu, buffer, sizes and\n"
		printf "windows. pin+map: REGISTER_MEMORY + MAP_DMA, unmap+unpin: UNMAP_DMA + UNREGISTER_MEMORY, map/unmap: of\n"
		printf "registered memory, whole ranges in one call (DPDK's pattern); map 1 page/unmap 1 page: one IO page per\n"
		printf "call, 256 consecutive (QEMU's pattern; us per call). Ratios are iobroker's throughput over VFIO's.\n"
		split("pinmap unmapunpin map unmap map1 unmap1", vops, " ")
		vname["pinmap"] = "pin+map"
		vname["unmapunpin"] = "unmap+unpin"
		vname["map"] = "map"
		vname["unmap"] = "unmap"
		vname["map1"] = "map 1 page"
		vname["unmap1"] = "unmap 1 page"
		if (3 in vsides) {
			printf "vmod: vfio_iommu_spapr_tce loaded as a module into iobroker's kernel, in iobroker's boot after\n"
			printf "iobroker is unloaded (the reference has VFIO built in; distributions build it as modules).\n"
		}
		side_by_side(vorder, vn, vops, 6, vname, vusec, vgbs, 14, 3 in vsides)
	}
	if (pn) {
		printf "\nQEMU's pattern in turns: in each of iobroker's boots, runs of 256 one-IO-page MAP_DMAs and\n"
		printf "UNMAP_DMAs alone, iobroker's VFIO backend and vfio_iommu_spapr_tce as a module taking turns\n"
		printf "(vmod, iob, iob, vmod, ...), the k-th run of each paired; in the reference boots, as many runs on\n"
		printf "the built-in backend. us per call: medians of every run. pair ratio: the median over the pairs of\n"
		printf "vmod's time over iobroker's, above 1 when iobroker is faster; wins: pairs iobroker was faster in.\n"
		printf "%-12s %-15s | %8s %8s | %7s %7s | %8s %7s\n", "op", "window", "iob us", "vmod us",
		       "pair", "wins", "vfio us", "ratio"
		split("map1 unmap1", pops, " ")
		for (t = 1; t <= 2; t++) {
			for (i = 0; i < pn; i++) {
				split(porder[i], k, " ")
				if (k[1] != pops[t])
					continue
				for (sd = 1; sd <= 3; sd++)
					median(p_v, p_c, pmed, sd, porder[i])
				np = 0
				wins = 0
				for (f = 1; f <= file; f++) {
					m = b_c[f, 1, porder[i]]
					if (b_c[f, 3, porder[i]] < m)
						m = b_c[f, 3, porder[i]]
					for (j = 1; j <= m; j++) {
						x = b_v[f, 1, porder[i], j]
						if (x <= 0)
							continue
						pr_v[1, porder[i], ++np] = b_v[f, 3, porder[i], j] / x
						if (b_v[f, 3, porder[i], j] > x)
							wins++
					}
				}
				pr_c[1, porder[i]] = np
				median(pr_v, pr_c, pair, 1, porder[i])
				line = sprintf("%-12s %-15s | ", k[1] == "map1" ? "map 1 page" : "unmap 1 page", k[2])
				line = line (((1, porder[i]) in pmed) ? sprintf("%8.2f ", pmed[1, porder[i]]) : sprintf("%8s ", "n/a"))
				line = line (((3, porder[i]) in pmed) ? sprintf("%8.2f | ", pmed[3, porder[i]]) : sprintf("%8s | ", "n/a"))
				if (np)
					line = line sprintf("%7.2f %7s | ", pair[1, porder[i]], wins "/" np)
				else
					line = line sprintf("%7s %7s | ", "-", "-")
				if ((2, porder[i]) in pmed && (1, porder[i]) in pmed && pmed[1, porder[i]] > 0)
					line = line sprintf("%8.2f %7.2f", pmed[2, porder[i]],
							    pmed[2, porder[i]] / pmed[1, porder[i]])
				else
					line = line sprintf("%8s %7s", "n/a", "-")
				print line
			}
		}
		printf "ratio: the built-in backend's median time over iobroker's (other boots, so noisier than pairs).\n"
	}
	printf "\nAccess objects: the test module's ACCESS_PAGES + DESTROY_ACCESS_PAGES (pin, unpin) and ACCESS_RW of an\n"
	printf "IOAS range with no page table, iobroker vs Linux 6.12 iommufd. read/write: the fast path, in the owner's\n"
	printf "process; sread/swrite: the slow path, through the pages. Ratios are iobroker's throughput over upstream's.\n"
	printf "%-6s %-6s %6s | %10s %10s | %10s %10s | %7s\n", "op", "mem", "size",
	       "iob us", "iob GB/s", "up us", "up GB/s", "ratio"
	for (i = 0; i < an; i++) {
		split(aorder[i], k, " ")
		line = sprintf("%-6s %-6s %6s | %10.1f %10.3f | ", k[1], k[2], human(k[3]),
			       ausec[1, aorder[i]], agbs[1, aorder[i]])
		if ((2, aorder[i]) in agbs && agbs[2, aorder[i]] > 0)
			line = line sprintf("%10.1f %10.3f | %7.2f", ausec[2, aorder[i]], agbs[2, aorder[i]],
					    agbs[1, aorder[i]] / agbs[2, aorder[i]])
		else
			line = line sprintf("%10s %10s | %7s", "n/a", "n/a", "-")
		print line
	}
	if (ln) {
		printf "\nA listener on the netlink monitor group: IOAS_MAP + IOAS_UNMAP with a mock device's page table,\n"
		printf "nobody listening vs a thread reading the group (iobroker only; the reference has no such family).\n"
		printf "Map and unmap send no event; what a listener can cost them is the check for one.\n"
		printf "The overhead is the median of each boot's own pair of figures.\n"
		printf "%-6s %6s | %10s %10s | %9s\n", "mem", "size", "none us", "listen us", "overhead"
		for (i = 0; i < ln; i++) {
			split(lorder[i], k, " ")
			a = lusec[1, "none " lorder[i]]
			b = lusec[1, "monitor " lorder[i]]
			# Each boot's own pair gives an overhead; their median is
			# shown, so that a boot slower throughout weighs nothing.
			nboots = c_lusec[1, "none " lorder[i]]
			for (j = 1; j <= nboots; j++) {
				x = s_lusec[1, "none " lorder[i], j]
				y = s_lusec[1, "monitor " lorder[i], j]
				s_over[1, lorder[i], j] = (x > 0) ? 100 * (y - x) / x : 0
			}
			c_over[1, lorder[i]] = nboots
			median(s_over, c_over, over, 1, lorder[i])
			printf "%-6s %6s | %10.1f %10.1f | %8.1f%%\n", k[1], human(k[2]), a, b, over[1, lorder[i]]
		}
	}
	printf "\n"
	for (key in skip) {
		split(key, sk, SUBSEP)
		printf "skipped on %s: %s (%s)\n", sk[1] == 1 ? "iobroker" : "upstream", sk[2], skip[key]
	}
	printf "\nOn ppc64 pseries, Linux 6.12's mock device cannot get a page table (EINVAL):\n"
	printf "the platform's sPAPR IOMMU probes it and refuses it, and with that out of the\n"
	printf "way its blocked default domain clashes with the identity type forced without\n"
	printf "IOMMU_DMA. No configuration avoids either, so upstream figures exist only\n"
	printf "without page tables, where upstream and iobroker both only record the mapping.\n"
}
