# finetune.sh MODE BIN MODEL FMNIST_DIR [PYTHON] - the tests of `onnx-prune
# finetune` (see CMakeLists.txt); MODE is determinism, loss, bnrecal,
# testdata, sigint or usage.  Exits 0 on success, 77 when the data is missing.

mode=$1 bin=$2 model=$3 dir=$4 py=${5:-python3}
. "$(dirname "$0")/../cli/lib.sh"

data=fashion-mnist:$dir
norm="--mean 0.2860 --std 0.3530"
ft() { run "$bin" finetune "$@"; }

need_data() {
	[ -f "$dir/train-images-idx3-ubyte.gz" ] ||
	[ -f "$dir/train-images-idx3-ubyte" ] || { echo "no $dir: skipped"; exit 77; }
}

# prune the model to 50 % of its MACs with l1 into $scratch/p50.onnx
prune50() {
	run "$bin" "$model" "$scratch/p50.onnx" --passes l1 --target-flops 0.5 $norm
	want_rc 0
}

# top1 FILE: the top-1 % of a model on the first 1000 test images
top1() {
	"$bin" eval "$1" --data "$data" --limit 1000 --threads 2 |
		awk '/^top-1/ { print $2 }'
}

case $mode in
determinism)
	need_data
	for i in 1 2; do
		ft "$model" "$scratch/d$i.onnx" --data "$data" --epochs 1 \
			--batch 64 --limit 128 --threads 2 --seed 7 $norm
		want_rc 0
		want_out "trained 2 steps"
	done
	cmp -s "$scratch/d1.onnx" "$scratch/d2.onnx" ||
		fail "two runs with the same seed differ"
	cmp -s "$model" "$scratch/d1.onnx" && fail "the weights did not change"
	ft "$model" "$scratch/d3.onnx" --data "$data" --epochs 1 \
		--batch 64 --limit 128 --threads 2 --seed 8 $norm
	want_rc 0
	cmp -s "$scratch/d1.onnx" "$scratch/d3.onnx" &&
		fail "another seed gave the same model"
	# smoothed labels reach the loss: the same seed, another model
	ft "$model" "$scratch/d4.onnx" --data "$data" --epochs 1 \
		--batch 64 --limit 128 --threads 2 --seed 7 $norm \
		--label-smoothing 0.1
	want_rc 0
	cmp -s "$scratch/d1.onnx" "$scratch/d4.onnx" &&
		fail "--label-smoothing 0.1 gave the model of no smoothing"
	# the moving average is what is written, the same bits every run
	for i in 5 6; do
		ft "$model" "$scratch/d$i.onnx" --data "$data" --epochs 1 \
			--batch 64 --limit 128 --threads 2 --seed 7 $norm --ema 0.9
		want_rc 0
		want_out "weights averaged (EMA 0.9) over the last 2 steps"
	done
	cmp -s "$scratch/d5.onnx" "$scratch/d6.onnx" ||
		fail "two runs with --ema and the same seed differ"
	cmp -s "$scratch/d1.onnx" "$scratch/d5.onnx" &&
		fail "--ema 0.9 gave the model of the last step"
	;;
loss)
	need_data
	prune50
	ft "$scratch/p50.onnx" "$scratch/t.onnx" --data "$data" --epochs 1 \
		--batch 64 --limit 1280 --threads 2 --lr 0.01 \
		--log "$scratch/log.jsonl" --log-every 1
	want_rc 0
	n=$(grep -c '"type":"step"' "$scratch/log.jsonl")
	[ "$n" -eq 20 ] || fail "$n step records, want 20"
	grep -q '"type":"epoch"' "$scratch/log.jsonl" || fail "no epoch record"
	grep -q '"type":"end".*"interrupted":false' "$scratch/log.jsonl" ||
		fail "no end record"
	# mean of the first and of the last three step losses
	awk -F'"loss":' '/"type":"step"/ { split($2, v, ","); l[++n] = v[1] }
		END { a = (l[1] + l[2] + l[3]) / 3; b = (l[n] + l[n-1] + l[n-2]) / 3;
		      printf "first %.4f last %.4f\n", a, b; exit !(b < a) }' \
		"$scratch/log.jsonl" || fail "the loss did not go down"
	;;
bnrecal)
	need_data
	prune50
	ft "$scratch/p50.onnx" "$scratch/r.onnx" --data "$data" --epochs 0 \
		--bn-recal 8 --threads 2
	want_rc 0
	want_out "BN recalibrated on 8 batches"
	a=$(top1 "$scratch/p50.onnx") b=$(top1 "$scratch/r.onnx")
	echo "pruned $a %, recalibrated $b %"
	awk -v a="$a" -v b="$b" 'BEGIN { exit !(b > a + 20) }' ||
		fail "BN recalibration: $a % -> $b %, want 20 points more"
	;;
testdata)
	# --test-data: scored after BN recalibration, after every epoch (in
	# the line and the log) and after; the last epoch's score is the
	# final model's
	# (on the first 1000 test images, a copy made by make_subset.py)
	need_data
	"$py" "$(dirname "$0")/../pipeline/make_subset.py" "$dir" \
		"$scratch/small" 1000 || fail "make_subset.py failed"
	ft "$model" "$scratch/t.onnx" --data "$data" --epochs 2 --batch 64 \
		--limit 256 --threads 2 --bn-recal 2 \
		--test-data "fashion-mnist:$scratch/small" \
		--log "$scratch/t.jsonl" $norm
	want_rc 0
	want_out "recal   top-1"
	n=$(grep -c '"type":"epoch".*"test_accuracy":[0-9]' "$scratch/t.jsonl")
	[ "$n" -eq 2 ] || fail "$n epoch records with a test accuracy, want 2"
	last=$(grep '"type":"epoch"' "$scratch/t.jsonl" | tail -1 |
		sed 's/.*"test_accuracy":\([0-9.]*\).*/\1/')
	after=$(printf '%s\n' "$out" | awk '/^after / { print $3 }')
	echo "last epoch $last %, after $after %"
	awk -v a="$last" -v b="$after" 'BEGIN { d = a - b; exit !(d < 0.005 && d > -0.005) }' ||
		fail "last epoch's test top-1 $last differs from the final $after"
	printf '%s\n' "$out" | grep -q '^epoch 2/2 .*test_acc' ||
		fail "no test_acc on the line of epoch 2"
	;;
sigint)
	need_data
	log=$scratch/int.jsonl
	"$bin" finetune "$model" "$scratch/i.onnx" --data "$data" --epochs 1 \
		--batch 64 --limit 12800 --threads 2 --log "$log" --log-every 1 \
		$norm > "$scratch/int.out" 2> "$scratch/int.err" &
	pid=$!
	for i in $(seq 1 600); do
		grep -q '"type":"step"' "$log" 2>/dev/null && break
		sleep 0.05
	done
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	err=$(cat "$scratch/int.err")
	want_rc 0
	want_err "interrupted"
	grep -q '"type":"end".*"interrupted":true' "$log" ||
		fail "no interrupted end record: $(tail -1 "$log")"
	n=$(grep -c '"type":"step"' "$log")
	[ "$n" -lt 200 ] || fail "ran all $n steps"
	run "$bin" info "$scratch/i.onnx"
	want_rc 0
	;;
usage)
	o=$scratch/o.onnx
	ft "$model" "$o" --epochs 1; want_usage_error
	ft "$model" "$o" --data "$data"; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 0; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --lr 0; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --lr x; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --alpha 2; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --ema 1; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --ema -0.5; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --label-smoothing 1
	want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --val-split 1; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --bn-recal 0; want_usage_error
	ft "$model" "$o" --data "$data" --epochs -1; want_usage_error
	ft "$model" "$o" --data nokind --epochs 1; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --test-data x; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --distill=x; want_usage_error
	ft "$model" "$o" --data "$data" --epochs 1 --frobnicate; want_usage_error
	ft "$model" --data "$data" --epochs 1; want_usage_error
	run "$bin" eval "$model" --data "$data" --epochs 1; want_usage_error
	[ -e "$o" ] && fail "a usage error wrote $o"
	run "$bin" --help
	want_rc 0
	want_out "onnx-prune finetune IN.onnx OUT.onnx"
	;;
*)
	echo "unknown mode $mode"; exit 2 ;;
esac
finish
