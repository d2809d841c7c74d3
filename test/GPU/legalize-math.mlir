// cnn-gpu-legalize-math: math in kernels without libdevice. sqrt, fabs,
// fma, rounding and copysign become llvm.call_intrinsic of the LLVM
// intrinsic for their float type (not the LLVM dialect's intrinsic ops,
// which convert-gpu-to-nvvm would turn into __nv_* calls), rsqrt becomes
// 1 / sqrt, and exp/expm1/log/log1p/erf/erfc/tanh/pow become f32
// polynomials built from those. No math op may remain: one without such a lowering is an error.
// RUN: cnnc-opt %s --cnn-gpu-legalize-math -split-input-file -verify-diagnostics \
// RUN:   | FileCheck %s --implicit-check-not=math.

// One intrinsic per op, named after the operand's type.
// CHECK-LABEL: gpu.func @intrinsics(
// CHECK-SAME:    %[[X:[^:]*]]: f32, %[[Y:[^:]*]]: f32, %[[Z:[^:]*]]: f32, %[[D:[^:]*]]: f64, %[[H:[^:]*]]: f16,
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:         %[[SQRT:.*]] = llvm.call_intrinsic "llvm.sqrt.f32"(%[[X]]) : (f32) -> f32
// CHECK-NEXT:    memref.store %[[SQRT]]
// CHECK-NEXT:    %[[ABS:.*]] = llvm.call_intrinsic "llvm.fabs.f32"(%[[X]]) : (f32) -> f32
// CHECK-NEXT:    memref.store %[[ABS]]
// CHECK-NEXT:    %[[FMA:.*]] = llvm.call_intrinsic "llvm.fma.f32"(%[[X]], %[[Y]], %[[Z]]) : (f32, f32, f32) -> f32
// CHECK-NEXT:    memref.store %[[FMA]]
// CHECK-NEXT:    %[[FLOOR:.*]] = llvm.call_intrinsic "llvm.floor.f32"(%[[X]])
// CHECK-NEXT:    memref.store %[[FLOOR]]
// CHECK-NEXT:    %[[CEIL:.*]] = llvm.call_intrinsic "llvm.ceil.f32"(%[[X]])
// CHECK-NEXT:    memref.store %[[CEIL]]
// CHECK-NEXT:    %[[RE:.*]] = llvm.call_intrinsic "llvm.roundeven.f32"(%[[X]])
// CHECK-NEXT:    memref.store %[[RE]]
// CHECK-NEXT:    %[[ROUND:.*]] = llvm.call_intrinsic "llvm.round.f32"(%[[X]])
// CHECK-NEXT:    memref.store %[[ROUND]]
// CHECK-NEXT:    %[[TRUNC:.*]] = llvm.call_intrinsic "llvm.trunc.f32"(%[[X]])
// CHECK-NEXT:    memref.store %[[TRUNC]]
// CHECK-NEXT:    %[[SIGN:.*]] = llvm.call_intrinsic "llvm.copysign.f32"(%[[X]], %[[Y]]) : (f32, f32) -> f32
// CHECK-NEXT:    memref.store %[[SIGN]]
// CHECK-NEXT:    %[[SQRTD:.*]] = llvm.call_intrinsic "llvm.sqrt.f64"(%[[D]]) : (f64) -> f64
// CHECK-NEXT:    memref.store %[[SQRTD]]
// CHECK-NEXT:    %[[SQRTH:.*]] = llvm.call_intrinsic "llvm.sqrt.f16"(%[[H]]) : (f16) -> f16
// CHECK-NEXT:    memref.store %[[SQRTH]]
// rsqrt(x) = 1 / sqrt(x), both correctly rounded (no approximate rsqrt).
// CHECK-NEXT:    %[[ROOT:.*]] = llvm.call_intrinsic "llvm.sqrt.f32"(%[[X]]) : (f32) -> f32
// CHECK-NEXT:    %[[RSQRT:.*]] = arith.divf %[[ONE]], %[[ROOT]] : f32
// CHECK-NEXT:    memref.store %[[RSQRT]]
// CHECK-NEXT:    gpu.return
gpu.module @kernels {
  gpu.func @intrinsics(%x: f32, %y: f32, %z: f32, %d: f64, %h: f16,
                       %m: memref<16xf32>, %md: memref<1xf64>, %mh: memref<1xf16>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c5 = arith.constant 5 : index
    %c6 = arith.constant 6 : index
    %c7 = arith.constant 7 : index
    %c8 = arith.constant 8 : index
    %c9 = arith.constant 9 : index
    %sqrt = math.sqrt %x : f32
    memref.store %sqrt, %m[%c0] : memref<16xf32>
    %abs = math.absf %x : f32
    memref.store %abs, %m[%c1] : memref<16xf32>
    %fma = math.fma %x, %y, %z : f32
    memref.store %fma, %m[%c2] : memref<16xf32>
    %floor = math.floor %x : f32
    memref.store %floor, %m[%c3] : memref<16xf32>
    %ceil = math.ceil %x : f32
    memref.store %ceil, %m[%c4] : memref<16xf32>
    %re = math.roundeven %x : f32
    memref.store %re, %m[%c5] : memref<16xf32>
    %round = math.round %x : f32
    memref.store %round, %m[%c6] : memref<16xf32>
    %trunc = math.trunc %x : f32
    memref.store %trunc, %m[%c7] : memref<16xf32>
    %sign = math.copysign %x, %y : f32
    memref.store %sign, %m[%c8] : memref<16xf32>
    %sqrtd = math.sqrt %d : f64
    memref.store %sqrtd, %md[%c0] : memref<1xf64>
    %sqrth = math.sqrt %h : f16
    memref.store %sqrth, %mh[%c0] : memref<1xf16>
    %rsqrt = math.rsqrt %x : f32
    memref.store %rsqrt, %m[%c9] : memref<16xf32>
    gpu.return
  }
}

// -----

// exp, log and erf are f32 polynomials whose fused multiply-adds and
// rounding are intrinsics too; tanh and powf are first expanded into exp
// and log. exp scales by 2^n built in the exponent bits, log reads them.
// CHECK-LABEL: gpu.func @polynomials(
// CHECK-SAME:    %[[X:[^:]*]]: f32, %[[Y:[^:]*]]: f32, %[[M:[^:]*]]: memref<8xf32>)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// exp(x)
// CHECK:         llvm.call_intrinsic "llvm.fma.f32"(%{{.*}}) : (f32, f32, f32) -> f32
// CHECK:         llvm.call_intrinsic "llvm.floor.f32"
// CHECK:         arith.shli
// CHECK:         %[[SCALE:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK-NEXT:    %[[EXP:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK-NEXT:    memref.store %[[EXP]], %[[M]][%[[C0]]]
// log(x)
// CHECK:         arith.bitcast %{{.*}} : f32 to i32
// CHECK:         arith.shrui
// CHECK:         llvm.call_intrinsic "llvm.fma.f32"
// CHECK:         memref.store %{{.*}}, %[[M]][%[[C1]]]
// erf(x): a rational approximation.
// CHECK:         llvm.call_intrinsic "llvm.fma.f32"
// CHECK:         arith.divf
// CHECK:         memref.store %{{.*}}, %[[M]][%[[C2]]]
// tanh(x) = (1 - exp(-2|x|)) / (1 + exp(-2|x|)) with the sign of x.
// CHECK:         llvm.call_intrinsic "llvm.floor.f32"
// CHECK:         arith.shli
// CHECK:         arith.divf
// CHECK:         memref.store %{{.*}}, %[[M]][%[[C3]]]
// powf(x, y) = exp(y * log(x)).
// CHECK:         arith.shrui
// CHECK:         arith.mulf %[[Y]], %{{.*}} : f32
// CHECK:         arith.shli
// CHECK:         memref.store %{{.*}}, %[[M]][%[[C4]]]
// CHECK-NEXT:    gpu.return
gpu.module @kernels {
  gpu.func @polynomials(%x: f32, %y: f32, %m: memref<8xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %exp = math.exp %x : f32
    memref.store %exp, %m[%c0] : memref<8xf32>
    %log = math.log %x : f32
    memref.store %log, %m[%c1] : memref<8xf32>
    %erf = math.erf %x : f32
    memref.store %erf, %m[%c2] : memref<8xf32>
    %tanh = math.tanh %x : f32
    memref.store %tanh, %m[%c3] : memref<8xf32>
    %pow = math.powf %x, %y : f32
    memref.store %pow, %m[%c4] : memref<8xf32>
    gpu.return
  }
}

// -----

// What the activations add (elu, selu and softplus's gradient: expm1,
// softplus: log1p) is f32 polynomials too: expm1 is (u - 1) x / log(u)
// with u = exp(x), log1p x log(u) / (u - 1) with u = 1 + x.
// CHECK-LABEL: gpu.func @activation_math(
// CHECK-SAME:    %[[X:[^:]*]]: f32, %[[M:[^:]*]]: memref<4xf32>)
// CHECK:         llvm.call_intrinsic "llvm.floor.f32"
// CHECK:         arith.shrui
// CHECK:         arith.divf %[[X]], %{{.*}} : f32
// CHECK:         memref.store %{{.*}}, %[[M]][%{{.*}}]
// CHECK:         arith.shrui
// CHECK:         memref.store %{{.*}}, %[[M]][%{{.*}}]
// CHECK-NEXT:    gpu.return
gpu.module @kernels {
  gpu.func @activation_math(%x: f32, %m: memref<4xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %expm1 = math.expm1 %x : f32
    memref.store %expm1, %m[%c0] : memref<4xf32>
    %log1p = math.log1p %x : f32
    memref.store %log1p, %m[%c1] : memref<4xf32>
    gpu.return
  }
}

// -----

// The polynomials are f32 only: f64 exp would need libdevice.
gpu.module @kernels {
  gpu.func @exp_f64(%x: f64, %m: memref<1xf64>) kernel {
    %c0 = arith.constant 0 : index
    // expected-error @+1 {{no libdevice-free GPU lowering for 'math.exp'}}
    %exp = math.exp %x : f64
    memref.store %exp, %m[%c0] : memref<1xf64>
    gpu.return
  }
}

// -----

// NaN-ignoring max/min (softmax's row maximum) are max.f32/min.f32, not
// libdevice's __nv_fmaxf/__nv_fminf.
// CHECK-LABEL: gpu.func @max_min(
// CHECK:         llvm.call_intrinsic "llvm.maxnum.f32"(%{{.*}}, %{{.*}}) : (f32, f32) -> f32
// CHECK:         llvm.call_intrinsic "llvm.minnum.f32"(%{{.*}}, %{{.*}}) : (f32, f32) -> f32
// CHECK-NOT:     arith.maxnumf
gpu.module @kernels {
  gpu.func @max_min(%x: f32, %y: f32, %m: memref<2xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %max = arith.maxnumf %x, %y : f32
    %min = arith.minnumf %x, %y : f32
    memref.store %max, %m[%c0] : memref<2xf32>
    memref.store %min, %m[%c1] : memref<2xf32>
    gpu.return
  }
}

// -----

// The intrinsic calls are scalar: kernels are not vectorized.
gpu.module @kernels {
  gpu.func @vector_sqrt(%x: vector<4xf32>, %m: memref<1xvector<4xf32>>) kernel {
    %c0 = arith.constant 0 : index
    // expected-error @+1 {{no libdevice-free GPU lowering for 'math.sqrt'}}
    %sqrt = math.sqrt %x : vector<4xf32>
    memref.store %sqrt, %m[%c0] : memref<1xvector<4xf32>>
    gpu.return
  }
}

// -----

// An op the pass has no lowering for at all.
gpu.module @kernels {
  gpu.func @tan(%x: f32, %m: memref<1xf32>) kernel {
    %c0 = arith.constant 0 : index
    // expected-error @+1 {{no libdevice-free GPU lowering for 'math.tan'}}
    %tan = math.tan %x : f32
    memref.store %tan, %m[%c0] : memref<1xf32>
    gpu.return
  }
}
