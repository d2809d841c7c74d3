func.func @f() {
  "cnn.foo"() : () -> ()
  return
}
