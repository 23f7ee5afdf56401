# train_speed.awk - the table of bench/train_speed.sh from its raw lines:
# per model and batch, the median over the rounds of each side's img/s and
# the ratio ours / torch, as a Markdown table.
/^train / { sub(/\.onnx$/, "", $2); k = $2 " " $4; ours[k] = ours[k] " " $7 }
/^torch / { k = $2 " " $4; peer[k] = peer[k] " " $7 }
function med(s,   a, n, i, j, v) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++) {	# insertion sort (mawk has no asort)
		v = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > v; j--)
			a[j + 1] = a[j]
		a[j + 1] = v
	}
	return a[int((n + 1) / 2)]
}
END {
	print "\n| model | batch | ours img/s | torch img/s | ours / torch |"
	print "|---|---|---|---|---|"
	for (k in ours) { split(k, p, " "); o = med(ours[k]); t = med(peer[k]);
		printf "| %s | %s | %.1f | %.1f | %.2f |\n", p[1], p[2], o, t, o / t }
}
