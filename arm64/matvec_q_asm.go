//go:build (arm64 || amd64) && !purego

package arm64

// What the wrappers of the quantized matvecs share on every architecture
// with assembly (matvec_q_arm64.h is what the arm64 assembly shares).
// Every wrapper checks the shapes the assembly relies on (it reads memory unchecked) and hands anything
// unusual — empty, too short, degenerate — to the generic twin, which
// answers or panics exactly as on any other architecture.

// quantArgsOK reports whether out, w, xq, xd describe a complete product
// the assembly can run: at least one row and block, and every operand long
// enough.
func quantArgsOK(out []float32, w []byte, xq []int8, xd []float32, blockBytes int) (nb int, ok bool) {
	nb = len(xq) / QK
	return nb, len(out) > 0 && nb > 0 && len(xd) >= nb && len(w)/blockBytes/nb >= len(out)
}
