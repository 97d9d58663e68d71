// Runs the live runtime in Node for tests/test_live.py: reads {spec, inputs, classes} as JSON
// from the file given, prints {outputs, logits, proba, grad} per input as JSON.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [runtimePath, casePath] = process.argv.slice(2);
const { load } = await import(pathToFileURL(runtimePath).href);
const { spec, inputs, classes } = JSON.parse(readFileSync(casePath, "utf8"));
const net = load(spec);
const results = inputs.map((x, i) => {
  const r = net.gradient(Float32Array.from(x), classes[i]);
  return {
    outputs: r.outputs.map((o) => Array.from(o)),
    logits: Array.from(r.logits),
    proba: Array.from(r.proba),
    grad: Array.from(r.grad),
  };
});
const flat = Float32Array.from(inputs.flat());
const batch = Array.from(net.predictBatch(flat, inputs.length));
process.stdout.write(JSON.stringify({ results, batch }));
