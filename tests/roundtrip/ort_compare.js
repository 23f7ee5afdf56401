// ort_compare.js - runs two ONNX models on the same float32 input with
// ONNX Runtime and reports the largest absolute difference of each output.
//
// Usage: node ort_compare.js A.onnx B.onnx INPUT.f32 N,C,H,W [TOL]
//   INPUT.f32: raw little-endian float32, N*C*H*W values, fed to the first
//   graph input of both models.  TOL (default 1e-6): the largest allowed
//   max abs difference.  NODE_PATH must reach onnxruntime-node (e.g.
//   NODE_PATH=/tmp/ortt/node_modules).
// Prints one JSON line {outputs: [{name, max_abs_diff, argmax_agree}], ok}
// and exits 0 when every output is within TOL, 1 otherwise, 2 on errors.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function argmaxRows(data, dims) {
	const cols = dims[dims.length - 1];
	const out = [];
	for (let r = 0; r * cols < data.length; r++) {
		let best = 0;
		for (let c = 1; c < cols; c++)
			if (data[r * cols + c] > data[r * cols + best])
				best = c;
		out.push(best);
	}
	return out;
}

async function run(path, feeds) {
	const s = await ort.InferenceSession.create(path,
		{ graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
	const feed = {};
	feed[s.inputNames[0]] = feeds;
	const res = await s.run(feed);
	return { names: s.outputNames, res };
}

async function main() {
	const [a, b, input, shapeArg, tolArg] = process.argv.slice(2);
	if (!a || !b || !input || !shapeArg) {
		console.error('usage: node ort_compare.js A.onnx B.onnx INPUT.f32 N,C,H,W [TOL]');
		process.exit(2);
	}
	const dims = shapeArg.split(',').map(Number);
	const tol = tolArg === undefined ? 1e-6 : Number(tolArg);
	const buf = fs.readFileSync(input);
	const data = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
	const x = new ort.Tensor('float32', Float32Array.from(data), dims);
	const ra = await run(a, x);
	const rb = await run(b, x);
	const outs = [];
	let ok = ra.names.length === rb.names.length;
	for (const name of ra.names) {
		const ta = ra.res[name], tb = rb.res[name];
		if (!tb || ta.data.length !== tb.data.length) {
			outs.push({ name, error: 'missing or different size in B' });
			ok = false;
			continue;
		}
		let m = 0;
		for (let i = 0; i < ta.data.length; i++)
			m = Math.max(m, Math.abs(Number(ta.data[i]) - Number(tb.data[i])));
		const aa = argmaxRows(ta.data, ta.dims), ab = argmaxRows(tb.data, tb.dims);
		const agree = aa.filter((v, i) => v === ab[i]).length;
		outs.push({ name, dims: ta.dims, max_abs_diff: m,
			argmax_agree: agree + '/' + aa.length });
		if (!(m <= tol))
			ok = false;
	}
	console.log(JSON.stringify({ outputs: outs, ok }));
	process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(String(e)); process.exit(2); });
