package runtime

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"runtime/debug"
	"unsafe"

	"github.com/gosling-edge/gosling/quant"
)

// The state file format (magic, header, the state's floats, optional
// logits, CRC-32C) is laid out in the package documentation, section "State
// files" (doc.go); the constants below are its fixed parts.
const (
	stateMagic       = "GOSLSTAT"
	stateVersion     = 1
	stateHeaderSize  = 96
	stateFlagLogits  = 1
	stateKnownFlags  = stateFlagLogits
	stateTrailerSize = 4
)

// ErrStateModel is returned (wrapped) when a state file was saved for
// another model.
var ErrStateModel = errors.New("state file is for another model")

// Fingerprint identifies a model's weights for state files: a SHA-256 of
// its shape, the name, type and dimensions of every tensor, and a few
// kilobytes of a few tensors' bytes (see Model.Fingerprint).
type Fingerprint [32]byte

// String is the first 8 bytes in hex, enough to tell models apart in a
// message.
func (f Fingerprint) String() string { return hex.EncodeToString(f[:8]) }

// fingerprintTensors are the tensors whose bytes the fingerprint samples:
// big matrices at both ends of the network, where two checkpoints of one
// shape (or two quantizations of one checkpoint) surely differ. Vectors
// such as the layer norms are useless here: many start as all ones.
func fingerprintTensors(layers int) []string {
	last := fmt.Sprintf("blk.%d.", layers-1)
	return []string{
		"token_embd.weight", "output.weight",
		"blk.0.time_mix_receptance.weight", "blk.0.time_mix_w1.weight",
		last + "time_mix_output.weight", last + "channel_mix_value.weight",
	}
}

// fingerprintSample is how many bytes are hashed from each end of each
// sampled tensor: 6 tensors × 2 KiB, a few microseconds, touching a few
// pages of the mapping instead of the whole model.
const fingerprintSample = 1024

// Fingerprint returns the model's fingerprint: SHA-256 over the shape,
// every tensor's name, type and dimensions, and the first and last 1 KiB of
// token_embd, output, blk.0 receptance and decay LoRA (w1), and the last
// block's time-mix output and channel-mix value matrices. It reads about
// 12 KiB of the file.
func (m *Model) Fingerprint() (Fingerprint, error) {
	// The model is immutable: hash it once, so that loading a state costs
	// a file read and a copy.
	m.fingerprint.once.Do(func() { m.fingerprint.f, m.fingerprint.err = m.computeFingerprint() })
	return m.fingerprint.f, m.fingerprint.err
}

func (m *Model) computeFingerprint() (f Fingerprint, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reading the model for its fingerprint: %v", r)
		}
	}()
	h := sha256.New()
	var buf [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	h.Write([]byte("gosling model fingerprint v1\x00"))
	c := m.Config
	for _, v := range []int{c.Layers, c.Embd, c.HeadSize, c.Heads, c.Vocab, c.FFN, c.RankW, c.RankA, c.RankV, c.RankG} {
		put(uint64(v))
	}
	for _, t := range m.File.Tensors {
		h.Write([]byte(t.Name))
		put(uint64(t.Type))
		put(uint64(len(t.Dims)))
		for _, d := range t.Dims {
			put(d)
		}
	}
	for _, name := range fingerprintTensors(c.Layers) {
		t, ok := m.File.Tensor(name)
		if !ok {
			continue
		}
		b := m.File.Bytes(t)
		if len(b) <= 2*fingerprintSample {
			h.Write(b)
		} else {
			h.Write(b[:fingerprintSample])
			h.Write(b[len(b)-fingerprintSample:])
		}
	}
	h.Sum(f[:0])
	return f, nil
}

// stateFile is the content of a state file.
type stateFile struct {
	Fingerprint Fingerprint
	Layers      int
	Embd        int
	Heads       int
	HeadSize    int
	Vocab       int
	State       *State    // with Tokens set
	Logits      []float32 // nil when the file has none
}

// stateFloats is the number of values in a State of this shape, or −1
// when the shape is absurd (the product overflows the limits below).
func stateFloats(layers, embd, heads, headSize int) int64 {
	const limit = 1 << 40
	per := 2*int64(embd) + int64(heads)*int64(headSize)*int64(headSize)
	if per <= 0 || per > limit || int64(layers) > limit/per {
		return -1
	}
	return int64(layers) * per
}

// parseStateFile decodes a state file. It checks everything it can
// without the model: magic, version, flags, sizes against the shape, and
// the checksum. It never panics, whatever the bytes.
func parseStateFile(b []byte) (*stateFile, error) {
	if len(b) < len(stateMagic) || string(b[:len(stateMagic)]) != stateMagic {
		return nil, fmt.Errorf("not a gosling state file (no %q magic)", stateMagic)
	}
	if len(b) < stateHeaderSize+stateTrailerSize {
		return nil, fmt.Errorf("state file truncated: %d bytes, the header alone is %d", len(b), stateHeaderSize)
	}
	le := binary.LittleEndian
	if v := le.Uint32(b[8:]); v != stateVersion {
		return nil, fmt.Errorf("state file version %d: this gosling reads version %d", v, stateVersion)
	}
	flags := le.Uint32(b[12:])
	if flags&^stateKnownFlags != 0 {
		return nil, fmt.Errorf("state file flags %#x: unknown bits", flags)
	}
	f := &stateFile{}
	copy(f.Fingerprint[:], b[16:48])
	dims := [5]int{}
	for i := range dims {
		v := le.Uint32(b[48+4*i:])
		if v == 0 || v > 1<<24 {
			return nil, fmt.Errorf("state file header: implausible size %d", v)
		}
		dims[i] = int(v)
	}
	f.Layers, f.Embd, f.Heads, f.HeadSize, f.Vocab = dims[0], dims[1], dims[2], dims[3], dims[4]
	if le.Uint32(b[68:]) != 0 {
		return nil, fmt.Errorf("state file header: reserved field is not 0")
	}
	tokens := int64(le.Uint64(b[72:]))
	if tokens < 0 {
		return nil, fmt.Errorf("state file header: negative token count")
	}
	nState, nLogits := le.Uint64(b[80:]), le.Uint64(b[88:])
	want := stateFloats(f.Layers, f.Embd, f.Heads, f.HeadSize)
	if want < 0 || f.Embd != f.Heads*f.HeadSize || nState != uint64(want) {
		return nil, fmt.Errorf("state file header: %d state values for L%d D%d H%d×%d", nState, f.Layers, f.Embd, f.Heads, f.HeadSize)
	}
	hasLogits := flags&stateFlagLogits != 0
	if (hasLogits && nLogits != uint64(f.Vocab)) || (!hasLogits && nLogits != 0) {
		return nil, fmt.Errorf("state file header: %d logits for a vocabulary of %d", nLogits, f.Vocab)
	}
	size := uint64(stateHeaderSize) + 4*(nState+nLogits) + stateTrailerSize
	if uint64(len(b)) != size {
		if uint64(len(b)) < size {
			return nil, fmt.Errorf("state file truncated: %d bytes, want %d", len(b), size)
		}
		return nil, fmt.Errorf("state file has %d bytes after its end", uint64(len(b))-size)
	}
	body := b[:len(b)-stateTrailerSize]
	if got, want := crc32.Checksum(body, castagnoli), le.Uint32(b[len(body):]); got != want {
		return nil, fmt.Errorf("state file corrupt: checksum %08x, want %08x", got, want)
	}
	f.State = newState(Config{Layers: f.Layers, Embd: f.Embd, Heads: f.Heads, HeadSize: f.HeadSize})
	f.State.Tokens = tokens
	off := stateHeaderSize
	decodeF32(f.State.Floats(), body[off:off+4*int(nState)])
	off += 4 * int(nState)
	if hasLogits {
		f.Logits = make([]float32, nLogits)
		decodeF32(f.Logits, body[off:])
	}
	return f, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendStateFile appends the encoding of a state file to b.
func appendStateFile(b []byte, fp Fingerprint, c Config, s *State, logits []float32) ([]byte, error) {
	floats := s.Floats()
	if n := stateFloats(c.Layers, c.Embd, c.Heads, c.HeadSize); n < 0 || int64(len(floats)) != n {
		return nil, fmt.Errorf("the state has %d values, the model's state %d", len(floats), n)
	}
	if logits != nil && len(logits) != c.Vocab {
		return nil, fmt.Errorf("%d logits for a vocabulary of %d", len(logits), c.Vocab)
	}
	start := len(b)
	le := binary.LittleEndian
	b = append(b, stateMagic...)
	b = le.AppendUint32(b, stateVersion)
	flags := uint32(0)
	if logits != nil {
		flags |= stateFlagLogits
	}
	b = le.AppendUint32(b, flags)
	b = append(b, fp[:]...)
	for _, v := range []int{c.Layers, c.Embd, c.Heads, c.HeadSize, c.Vocab} {
		b = le.AppendUint32(b, uint32(v))
	}
	b = le.AppendUint32(b, 0)
	b = le.AppendUint64(b, uint64(s.Tokens))
	b = le.AppendUint64(b, uint64(len(floats)))
	b = le.AppendUint64(b, uint64(len(logits)))
	b = appendF32(b, floats)
	b = appendF32(b, logits)
	return le.AppendUint32(b, crc32.Checksum(b[start:], castagnoli)), nil
}

// SaveState writes s (and the logits after its last token, if not nil)
// to path atomically.
func SaveState(path string, m *Model, s *State, logits []float32) error {
	fp, err := m.Fingerprint()
	if err != nil {
		return err
	}
	b, err := appendStateFile(make([]byte, 0, stateHeaderSize+4*(len(s.Floats())+len(logits))+stateTrailerSize), fp, m.Config, s, logits)
	if err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	return quant.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// LoadState reads a state file saved for m. It returns a new State and the
// logits after its last token (nil if the file has none). A file saved for
// another model gives an error wrapping ErrStateModel.
func LoadState(path string, m *Model) (*State, []float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := parseStateFile(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := f.check(m); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return f.State, f.Logits, nil
}

// check makes sure the file was saved for m.
func (f *stateFile) check(m *Model) error {
	c := m.Config
	if f.Layers != c.Layers || f.Embd != c.Embd || f.Heads != c.Heads || f.HeadSize != c.HeadSize || f.Vocab != c.Vocab {
		return fmt.Errorf("%w: saved for L%d D%d H%d×%d V%d, this model is L%d D%d H%d×%d V%d", ErrStateModel,
			f.Layers, f.Embd, f.Heads, f.HeadSize, f.Vocab, c.Layers, c.Embd, c.Heads, c.HeadSize, c.Vocab)
	}
	fp, err := m.Fingerprint()
	if err != nil {
		return err
	}
	if fp != f.Fingerprint {
		return fmt.Errorf("%w: same shape, other weights (fingerprint %s, this model %s)", ErrStateModel, f.Fingerprint, fp)
	}
	return nil
}

// littleEndian: on such hosts (arm64, amd64) float32 slices are copied as
// bytes instead of value by value.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

func appendF32(b []byte, v []float32) []byte {
	if len(v) == 0 {
		return b
	}
	if littleEndian {
		return append(b, unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))...)
	}
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func decodeF32(dst []float32, b []byte) {
	if len(dst) == 0 {
		return
	}
	if littleEndian {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 4*len(dst)), b)
		return
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}
