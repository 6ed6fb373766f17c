// Package quant reads and writes GGUF files and defines the tensor block
// formats gosling runs (F32, F16, Q8_0, Q4_0).
//
// A GGUF file is opened with a read-only memory map: nothing is read up
// front, every tensor's extent is checked against the file size before any
// tensor byte is touched, and tensors are exposed as views into the mapping,
// never copied. The package knows nothing about RWKV; it is the file format.
package quant
