package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {...}}, then the data; offsets are relative to the data's start.

// stEntry is one tensor's header record.
type stEntry struct {
	name        string
	DType       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets []uint64 `json:"data_offsets"`
}

var safetensorsDTypes = map[string]DType{"BF16": BF16, "F16": F16, "F32": F32, "F64": F64}

func parseSafetensors(data []byte) (*Checkpoint, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("safetensors: %d bytes is too short for the header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxSafetensorsHeader {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d-byte limit", n, maxSafetensorsHeader)
	}
	if n > uint64(len(data)-8) {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the file (%d bytes after the length)", n, len(data)-8)
	}
	entries, err := parseSafetensorsHeader(data[8 : 8+n])
	if err != nil {
		return nil, err
	}
	body := data[8+n:]
	c := &Checkpoint{Format: "safetensors"}
	for _, e := range entries {
		t, err := safetensorsTensor(e, body)
		if err != nil {
			return nil, fmt.Errorf("safetensors: tensor %s: %w", e.name, err)
		}
		if err := toOfficial(t); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %s: %w", e.name, err)
		}
		c.Tensors = append(c.Tensors, t)
	}
	return c, nil
}

// parseSafetensorsHeader decodes the JSON header keeping its key order (the
// order the file lists tensors in), which a Go map would lose.
func parseSafetensorsHeader(header []byte) ([]stEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("safetensors: header is not a JSON object")
	}
	seen := map[string]bool{}
	var entries []stEntry
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("safetensors: header: %w", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("safetensors: header: key %v is not a string", tok)
		}
		if seen[name] {
			return nil, fmt.Errorf("safetensors: header lists %q twice", name)
		}
		seen[name] = true
		if name == "__metadata__" {
			var meta map[string]any
			if err := dec.Decode(&meta); err != nil {
				return nil, fmt.Errorf("safetensors: __metadata__: %w", err)
			}
			continue
		}
		e := stEntry{name: name}
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %s: header record: %w", name, err)
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fmt.Errorf("safetensors: header: %w", err)
	}
	// The writer pads the header with spaces; anything else after the
	// object means the length or the JSON is wrong.
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("safetensors: unexpected data after the header object")
	}
	return entries, nil
}

// safetensorsTensor checks one record against the data section and returns
// a view of its bytes.
func safetensorsTensor(e stEntry, body []byte) (*Tensor, error) {
	dt, ok := safetensorsDTypes[e.DType]
	if !ok {
		return nil, fmt.Errorf("dtype %q is not supported (BF16, F16, F32, F64 are)", e.DType)
	}
	if len(e.DataOffsets) != 2 {
		return nil, fmt.Errorf("data_offsets has %d values (want 2)", len(e.DataOffsets))
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin > end || end > uint64(len(body)) {
		return nil, fmt.Errorf("data_offsets [%d, %d] lie outside the %d-byte data section", begin, end, len(body))
	}
	es := uint64(dt.Size())
	shape := make([]int, len(e.Shape))
	empty := false
	for i, d := range e.Shape {
		if d < 0 || d > int64(math.MaxInt) {
			return nil, fmt.Errorf("shape %v has a dimension out of range", e.Shape)
		}
		shape[i] = int(d)
		empty = empty || d == 0
	}
	numel := uint64(0)
	if !empty {
		numel = 1
		for _, d := range e.Shape {
			// A shape needing more than the data section is wrong; checking
			// as we multiply keeps the product from overflowing.
			if uint64(d) > uint64(len(body))/es/numel {
				return nil, fmt.Errorf("shape %v needs more bytes than the %d-byte data section", e.Shape, len(body))
			}
			numel *= uint64(d)
		}
	}
	if numel*es != end-begin {
		return nil, fmt.Errorf("shape %v of %v needs %d bytes, data_offsets [%d, %d] hold %d", e.Shape, dt, numel*es, begin, end, end-begin)
	}
	return &Tensor{Name: e.name, DType: dt, Shape: shape, Data: body[begin:end:end]}, nil
}
