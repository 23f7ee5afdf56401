// ort_compare.js - checks the runtime's logits (written by rt_ort_dump)
// against ONNX Runtime on the same preprocessed images.
//
// Usage: node ort_compare.js MODEL.onnx PREFIX C,H,W [DIFF_N] [TOL]
//   PREFIX.input.f32   N images, NCHW float32 (little endian)
//   PREFIX.logits.f32  the runtime's outputs, N x K float32
//   PREFIX.labels.u8   the N labels
//   DIFF_N (default 256): the max abs difference is taken over the first
//   DIFF_N images; top-1 agreement over all N.  TOL (default 1e-4).
// NODE_PATH must reach onnxruntime-node (e.g. tools/ort/node_modules).
// Prints one line per model and exits 0 when max diff <= TOL and top-1
// agrees on every image, 1 otherwise, 2 on errors.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function f32(path) {
	const b = fs.readFileSync(path);
	return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

function argmax(a, off, k) {
	let best = 0;
	for (let c = 1; c < k; c++)
		if (a[off + c] > a[off + best])
			best = c;
	return best;
}

async function main() {
	const [model, prefix, chw, diffArg, tolArg] = process.argv.slice(2);
	if (!model || !prefix || !chw) {
		console.error('usage: node ort_compare.js MODEL.onnx PREFIX C,H,W [DIFF_N] [TOL]');
		process.exit(2);
	}
	const [c, h, w] = chw.split(',').map(Number);
	const diffN = diffArg === undefined ? 256 : Number(diffArg);
	const tol = tolArg === undefined ? 1e-4 : Number(tolArg);
	const x = f32(prefix + '.input.f32');
	const ours = f32(prefix + '.logits.f32');
	const labels = fs.readFileSync(prefix + '.labels.u8');
	const img = c * h * w, n = x.length / img, k = ours.length / n;
	const s = await ort.InferenceSession.create(model);
	const batch = 250;
	let maxDiff = 0, agree = 0, oursOk = 0, ortOk = 0;
	for (let i = 0; i < n; i += batch) {
		const m = Math.min(batch, n - i);
		const t = new ort.Tensor('float32', x.slice(i * img, (i + m) * img),
			[m, c, h, w]);
		const feed = {};
		feed[s.inputNames[0]] = t;
		const out = (await s.run(feed))[s.outputNames[0]].data;
		for (let j = 0; j < m; j++) {
			const r = i + j;
			if (r < diffN)
				for (let q = 0; q < k; q++) {
					const d = Math.abs(out[j * k + q] - ours[r * k + q]);
					if (!(d <= maxDiff))
						maxDiff = d;
				}
			const a = argmax(out, j * k, k), b = argmax(ours, r * k, k);
			agree += a === b;
			ortOk += a === labels[r];
			oursOk += b === labels[r];
		}
	}
	const ok = maxDiff <= tol && agree === n;
	console.log(`${model}: max |diff| ${maxDiff.toExponential(2)} over ` +
		`${Math.min(diffN, n)} images, top-1 agrees ${agree}/${n}, ` +
		`accuracy ours ${(100 * oursOk / n).toFixed(2)} % ` +
		`ORT ${(100 * ortOk / n).toFixed(2)} % ${ok ? 'OK' : 'FAIL'}`);
	process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(2); });
