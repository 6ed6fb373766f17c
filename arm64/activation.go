package arm64

import (
	"fmt"
	"math"
)

// Element-wise activations of the time mixer, over whole rows: T tokens of
// width n = len(bias) at once. The generic twins compute through float64
// math.Exp and round once, which is what the runtime did inline; the NEON
// versions evaluate exp in float32 (Cody–Waite range reduction and a
// degree-7 polynomial, 1e-9 relative before rounding) and differ from the
// twins by a few float32 ulps — see activation_impl_test.go for the bound.

// DecayScale is e^−½, the factor of the RWKV-7 decay: w = exp(−e^−½·σ(·)).
const DecayScale = 0.606531

// Sigmoid writes σ(x_i + bias_{i mod n}) = 1/(1+e^−(x_i+bias)) to out, for
// len(x) values; n = len(bias) must divide len(x). A nil bias adds nothing.
// out may be x.
func Sigmoid(out, x, bias []float32) { sigmoid(out, x, bias) }

// Decay writes the RWKV-7 decay exp(−DecayScale·σ(x_i + bias_{i mod n})) to
// out, with bias as for Sigmoid (the model's w0). out may be x.
func Decay(out, x, bias []float32) { decay(out, x, bias) }

func checkAct(kernel string, out, x, bias []float32) {
	if len(out) < len(x) {
		panic(fmt.Sprintf("arm64.%s: output of %d values for %d inputs", kernel, len(out), len(x)))
	}
	if bias != nil && (len(bias) == 0 || len(x)%len(bias) != 0) {
		panic(fmt.Sprintf("arm64.%s: %d inputs are not rows of the %d-value bias", kernel, len(x), len(bias)))
	}
}

func sigmoid64(v float32) float32 { return float32(1 / (1 + math.Exp(-float64(v)))) }

func sigmoidGeneric(out, x, bias []float32) {
	checkAct("Sigmoid", out, x, bias)
	if bias == nil {
		for i, v := range x {
			out[i] = sigmoid64(v)
		}
		return
	}
	n := len(bias)
	for i, v := range x {
		out[i] = sigmoid64(v + bias[i%n])
	}
}

func decayGeneric(out, x, bias []float32) {
	checkAct("Decay", out, x, bias)
	for i, v := range x {
		if bias != nil {
			v += bias[i%len(bias)]
		}
		out[i] = float32(math.Exp(float64(-DecayScale * sigmoid64(v))))
	}
}
