# SPDX-License-Identifier: GPL-2.0
#
# Merge the benchmark output of two guests into one table.
#
#   awk -f bench.awk iobroker/results.log upstream/results.log
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

FNR == 1 { side++ }
/^B (map|unmap|pin|unpin) / {
	key = $2 " " $3 " " $4 " " $5
	usec[side, key] = $6
	gbs[side, key] = $7
	if (!(key in seen)) {
		seen[key] = 1
		order[n++] = key
	}
}
/^B sparse / {
	sparse[side] = $3
}
/^B kmem / {
	key = $3 " " $4
	kmem[side, key] = $5
	if (!(key in kseen)) {
		kseen[key] = 1
		korder[kn++] = key
	}
}
/^B tce / {
	key = $3 " " $4 " " $5
	tusec[side, key] = $6
	tgbs[side, key] = $7
	if (!(key in tseen)) {
		tseen[key] = 1
		torder[tn++] = key
	}
}
/^B access / {
	key = $3 " " $4 " " $5
	ausec[side, key] = $6
	agbs[side, key] = $7
	if (!(key in aseen)) {
		aseen[key] = 1
		aorder[an++] = key
	}
}
/^B skip / { skip[side, $3] = $4 }

END {
	printf "IOAS_MAP/IOAS_UNMAP throughput, iobroker vs Linux 6.12 iommufd, same guest and binary\n"
	printf "(tables: 0 = none, 1 = a mock device's, 2 = that plus a second HWPT; mem: small 64 KiB pages or huge 2 MiB hugetlb pages)\n\n"
	printf "%-6s %-6s %-6s %6s | %10s %10s | %10s %10s | %7s %6s\n", "op", "tables",
	       "mem", "size", "iob us", "iob GB/s", "up us", "up GB/s", "ratio", "pin%"
	for (i = 0; i < n; i++) {
		split(order[i], k, " ")
		if (k[1] == "pin" || k[1] == "unpin")
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
		printf "%-6s %-6s %-6s %6s | %10.1f %10.2f | %s %s | %s %s\n", k[1], k[2], k[3],
		       human(k[4]), usec[1, order[i]], gbs[1, order[i]], up_us, up_gb, ratio, pin
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
	printf "%-11s %-15s %6s | %10s %10s | %10s %10s | %7s\n", "op", "window", "size",
	       "iob us", "iob GB/s", "vfio us", "vfio GB/s", "ratio"
	split("pinmap unmapunpin map unmap", tops, " ")
	tname["pinmap"] = "pin+map"
	tname["unmapunpin"] = "unmap+unpin"
	tname["map"] = "map pinned"
	tname["unmap"] = "unmap"
	for (t = 1; t <= 4; t++) {
		for (i = 0; i < tn; i++) {
			split(torder[i], k, " ")
			if (k[1] != tops[t])
				continue
			line = sprintf("%-11s %-15s %6s | ", tname[k[1]], k[2], human(k[3]))
			if ((1, torder[i]) in tgbs)
				line = line sprintf("%10.1f %10.3f | ", tusec[1, torder[i]], tgbs[1, torder[i]])
			else
				line = line sprintf("%10s %10s | ", "n/a", "n/a")
			if ((2, torder[i]) in tgbs && tgbs[2, torder[i]] > 0 && (1, torder[i]) in tgbs)
				line = line sprintf("%10.1f %10.3f | %7.1f", tusec[2, torder[i]], tgbs[2, torder[i]],
						    tgbs[1, torder[i]] / tgbs[2, torder[i]])
			else
				line = line sprintf("%10s %10s | %7s", "n/a", "n/a", "-")
			print line
		}
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
