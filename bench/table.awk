# table.awk - turns bench/import_export.sh's raw lines into the ours/python
# table.  Input lines: MODEL SIDE BYTES key=value...  (SIDE: ours, python,
# ours_keep, python_keep).

function get(line, key,   i, f, kv) {
	f = split(line, kv, " ")
	for (i = 1; i <= f; i++)
		if (index(kv[i], key "=") == 1)
			return substr(kv[i], length(key) + 2) + 0
	return 0
}

{
	side[$1, $2] = $0
	size[$1] = $3
	if (!($1 in seen)) {
		seen[$1] = 1
		order[++nm] = $1
	}
}

# One row: label, the value of key on side sa (ours) and sb (python).
function row(col, lab, m, sa, sb, key, scale,   a, b, ratio) {
	if (key == "rss_delta_kb") {
		a = get(side[m, sa], "rss_peak_kb") - get(side[m, sa], "rss_base_kb")
		b = get(side[m, sb], "rss_peak_kb") - get(side[m, sb], "rss_base_kb")
	} else {
		a = get(side[m, sa], key)
		b = get(side[m, sb], key)
	}
	a /= scale
	b /= scale
	ratio = b > 0 ? sprintf("%.2f", a / b) : "-"
	printf "%-18s %-34s %10.2f %10.2f %12s\n", col, lab, a, b, ratio
}

END {
	printf "%-18s %-34s %10s %10s %12s\n", "model", "measure", "ours",
	       "python", "ours/python"
	for (j = 1; j <= nm; j++) {
		m = order[j]
		row(m, "import/load ms, median", m, "ours", "python", "import_ms", 1)
		row(sprintf("(%.1f MB)", size[m] / 1e6), "import/load ms, first round",
		    m, "ours", "python", "import_first_ms", 1)
		row("", "import/load ms, median, malloc keeps", m, "ours_keep",
		    "python_keep", "import_ms", 1)
		row("", "export to memory ms, median", m, "ours", "python",
		    "export_ms", 1)
		row("", "save to file ms, median", m, "ours", "python", "save_ms", 1)
		row("", "page faults per round", m, "ours", "python",
		    "faults_per_round", 1)
		row("", "peak RSS MiB", m, "ours", "python", "rss_peak_kb", 1024)
		row("", "peak RSS above base MiB", m, "ours", "python",
		    "rss_delta_kb", 1024)
	}
	print "malloc keeps: GLIBC_TUNABLES mmap_threshold = trim_threshold = 1 GiB"
	print "python: onnx.load / SerializeToString / onnx.save; ours:"
	print "opr_import_file (validate, infer, fold) / opr_export_mem / opr_export_file"
}
