// cnn-approximate-math: f32 exp, tanh, erfc, ... (scalars and vectors)
// become polynomials of fma, floor and bit operations, which math-to-llvm
// turns into vector instructions instead of one libm call per lane. Other
// math (sqrt, which has an instruction) and f64 stay.
// RUN: cnnc-opt %s --cnn-approximate-math | FileCheck %s \
// RUN:   --implicit-check-not='math.exp{{.*}}f32' --implicit-check-not=math.tanh \
// RUN:   --implicit-check-not=math.erf --implicit-check-not=math.log

// CHECK-LABEL: func.func @vector_epilogue(
// CHECK-SAME:    %[[V:.*]]: vector<8xf32>, %[[S:.*]]: f32, %[[D:.*]]: f64)
// exp: 2^n scaling built in the exponent bits, a polynomial in fma.
// CHECK:         math.floor %{{.*}} : vector<8xf32>
// CHECK:         math.fma %{{.*}} : vector<8xf32>
// CHECK:         arith.shli %{{.*}} : vector<8xi32>
// tanh: a rational function of the clamped input.
// CHECK:         math.absf %[[V]] : vector<8xf32>
// CHECK:         arith.divf %{{.*}} : vector<8xf32>
// erfc on a scalar, with the exp polynomial inside.
// CHECK:         math.absf %[[S]] : f32
// CHECK:         math.floor %{{.*}} : f32
// CHECK:         %[[EXPD:.*]] = math.exp %[[D]] : f64
// CHECK:         %[[SQRT:.*]] = math.sqrt %[[V]] : vector<8xf32>
// CHECK:         return %{{.*}}, %{{.*}}, %{{.*}}, %[[EXPD]], %[[SQRT]]
func.func @vector_epilogue(%v: vector<8xf32>, %s: f32, %d: f64) -> (vector<8xf32>, vector<8xf32>, f32, f64, vector<8xf32>) {
  %0 = math.exp %v : vector<8xf32>
  %1 = math.tanh %v : vector<8xf32>
  %2 = math.erfc %s : f32
  %3 = math.exp %d : f64
  %4 = math.sqrt %v : vector<8xf32>
  return %0, %1, %2, %3, %4 : vector<8xf32>, vector<8xf32>, f32, f64, vector<8xf32>
}

// expm1, log1p, log and erf are approximated too.
// CHECK-LABEL: func.func @others
// CHECK:         return
func.func @others(%v: vector<8xf32>) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
  %0 = math.expm1 %v : vector<8xf32>
  %1 = math.log1p %v : vector<8xf32>
  %2 = math.log %v : vector<8xf32>
  %3 = math.erf %v : vector<8xf32>
  return %0, %1, %2, %3 : vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>
}
