package runtime

// Stepper runs the model a token or a prompt chunk at a time. The CPU path
// is *Context; an accelerator back end (runtime/cuda, build tag cuda) is
// another. Both have the same contract: Forward and Prefill advance s and
// return the logits after its last token, in a slice that belongs to the
// Stepper and is overwritten by its next call.
//
// A prompt longer than a chunk is the Generator's to split (Generator.Feed,
// the one chunk loop): a Stepper runs what it is given in one step.
type Stepper interface {
	Forward(s *State, token int) ([]float32, error)
	// Prefill runs one chunk: 1 to Chunk() tokens.
	Prefill(s *State, tokens []int32) ([]float32, error)
	// Chunk is the most tokens one Prefill runs together.
	Chunk() int
}

var _ Stepper = (*Context)(nil)

// Backend is a Stepper that keeps the state in its own memory (a GPU's)
// between calls, so that a token costs no state transfer. The State passed
// in is the handle: its Tokens count advances with every call, but its
// floats are brought up to date only by Sync. A State the back end has not
// seen, or whose Tokens count changed on the host (Reset, CopyFrom, a state
// file), is uploaded before its next step; host code that replaces a
// State's floats without changing its Tokens count calls Forget.
//
// Sync and Forget are for implementers and for code that drives a Backend
// by hand: a Generator (and so a Chat) built with a Backend calls them
// itself wherever it saves or copies a state.
type Backend interface {
	Stepper
	// Sync copies the back end's copy of s into s, for host code that reads,
	// clones or saves the state.
	Sync(s *State) error
	// Forget drops the back end's copy of s (without copying it back), so
	// that its next step uploads s: for host code that replaced s's floats
	// in a way its Tokens count may not show (a state file, a reset to a
	// start of the same length).
	Forget(s *State)
	// String names the device, e.g. "cuda: NVIDIA H100 80GB HBM3 (sm_90, weights in device memory)".
	String() string
	// Close releases the device. The model must stay open until then.
	Close() error
}
