//go:build !nodemo

package main

import _ "embed"

// demoModel is the small RWKV-7 trained by tools/train (L6 D320, 8192-token
// vocabulary, Q8_0), embedded so that `gosling run` and `gosling chat` work
// on a fresh clone without a model file. Build with -tags nodemo to leave
// it out (the binary shrinks by ~15 MB). See tools/train/README.md for how
// demo.gguf is made.
//
//go:embed demo.gguf
var demoModel []byte
