package runtime

// State is the recurrent state of one sequence: for every layer the
// time-mix token shift (the ln1 output of the previous token), the WKV
// matrices of every head, and the channel-mix token shift. Its size is
// fixed by the model; it does not grow with the number of tokens.
type State struct {
	Layers []LayerState
	Tokens int64 // tokens consumed since the zero state

	data []float32 // every slice above points into data
}

// LayerState is one layer's part of a State.
type LayerState struct {
	AttXPrev []float32 // [D]
	WKV      []float32 // [H][N][N]: row = value channel, column = key channel
	FFNXPrev []float32 // [D]
}

// NewState returns the zero state for the model.
func (m *Model) NewState() *State { return newState(m.Config) }

func newState(c Config) *State {
	d, hnn := c.Embd, c.Heads*c.HeadSize*c.HeadSize
	per := 2*d + hnn
	s := &State{Layers: make([]LayerState, c.Layers), data: make([]float32, c.Layers*per)}
	for i := range s.Layers {
		base := s.data[i*per : (i+1)*per]
		s.Layers[i] = LayerState{
			AttXPrev: base[:d:d],
			WKV:      base[d : d+hnn : d+hnn],
			FFNXPrev: base[d+hnn:],
		}
	}
	return s
}

// Reset returns the state to zero (the start of a new sequence).
func (s *State) Reset() {
	clear(s.data)
	s.Tokens = 0
}

// Clone returns an independent copy.
func (s *State) Clone() *State {
	c := &State{Layers: make([]LayerState, len(s.Layers)), data: append([]float32(nil), s.data...), Tokens: s.Tokens}
	per := len(s.data) / max(len(s.Layers), 1)
	for i, l := range s.Layers {
		base := c.data[i*per : (i+1)*per]
		d, hnn := len(l.AttXPrev), len(l.WKV)
		c.Layers[i] = LayerState{AttXPrev: base[:d:d], WKV: base[d : d+hnn : d+hnn], FFNXPrev: base[d+hnn:]}
	}
	return c
}

// CopyFrom overwrites s with src, which must belong to the same model.
func (s *State) CopyFrom(src *State) {
	copy(s.data, src.data)
	s.Tokens = src.Tokens
}

// Floats is the whole state as one slice, layer after layer, each layer
// AttXPrev, WKV, FFNXPrev: the layout state files store.
func (s *State) Floats() []float32 { return s.data }

// Bytes is the size of the state in memory.
func (s *State) Bytes() int { return 4 * len(s.data) }
