import { matrix, type Matrix } from '../nn.ts';

// The river's `linear` baseline: a ridge regression of each horizon's change on the network's inputs.

/** ridge regression with an unpenalised intercept: per output column, [intercept, ...coefficients] */
export function fitRidge(x: Matrix, y: Matrix, w: Matrix, lambda: number): number[][] {
  const p = x.cols + 1;
  const out: number[][] = [];
  for (let k = 0; k < y.cols; k++) {
    const { a, b } = normalEquations(x, y, w, k);
    for (let i = 1; i < p; i++) a[i * p + i] = (a[i * p + i] ?? 0) + lambda;
    out.push(solve(a, b));
  }
  return out;
}

/** XᵀWX (row-major p × p, with the intercept's column of ones) and XᵀWy for output column k */
function normalEquations(x: Matrix, y: Matrix, w: Matrix, k: number): { a: Float64Array; b: Float64Array } {
  const p = x.cols + 1;
  const a = new Float64Array(p * p);
  const b = new Float64Array(p);
  const row = new Float64Array(p);
  for (let r = 0; r < x.rows; r++) {
    if (w.data[r * w.cols + k] === 0) continue;
    row[0] = 1;
    row.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), 1);
    const yk = y.data[r * y.cols + k] ?? 0;
    for (let i = 0; i < p; i++) {
      const ri = row[i] ?? 0;
      b[i] = (b[i] ?? 0) + ri * yk;
      for (let j = i; j < p; j++) a[i * p + j] = (a[i * p + j] ?? 0) + ri * (row[j] ?? 0);
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) a[i * p + j] = a[j * p + i] ?? 0;
  return { a, b };
}

/** Gauss–Jordan elimination with partial pivoting of the row-major n × n system a·β = b (small, symmetric positive definite) */
function solve(a: Float64Array, b: Float64Array): number[] {
  const n = b.length;
  const w = n + 1;
  const m = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    m.set(a.subarray(i * n, (i + 1) * n), i * w);
    m[i * w + n] = b[i] ?? 0;
  }
  const at = (r: number, c: number) => m[r * w + c] ?? 0;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(at(r, c)) > Math.abs(at(piv, c))) piv = r;
    swapRows(m, w, c, piv);
    const d = at(c, c);
    if (Math.abs(d) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      const f = r === c ? 0 : at(r, c) / d;
      if (f !== 0) for (let j = c; j <= n; j++) m[r * w + j] = at(r, j) - f * at(c, j);
    }
  }
  return Array.from({ length: n }, (_, i) => (Math.abs(at(i, i)) < 1e-12 ? 0 : at(i, n) / at(i, i)));
}

function swapRows(m: Float64Array, width: number, a: number, b: number): void {
  if (a === b) return;
  const rowA = m.slice(a * width, (a + 1) * width);
  m.copyWithin(a * width, b * width, (b + 1) * width);
  m.set(rowA, b * width);
}

export function ridgePredict(coefficients: readonly (readonly number[])[], xs: Matrix): Matrix {
  const out = matrix(xs.rows, coefficients.length);
  for (let r = 0; r < xs.rows; r++) {
    coefficients.forEach((beta, k) => {
      let v = beta[0] ?? 0;
      for (let c = 0; c < xs.cols; c++) v += (beta[c + 1] ?? 0) * (xs.data[r * xs.cols + c] ?? NaN);
      out.data[r * out.cols + k] = v;
    });
  }
  return out;
}
