package quant

import (
	"fmt"
	"math"
)

// ValueType is the type tag of a GGUF metadata value.
type ValueType uint32

// GGUF metadata value types.
const (
	ValUint8   ValueType = 0
	ValInt8    ValueType = 1
	ValUint16  ValueType = 2
	ValInt16   ValueType = 3
	ValUint32  ValueType = 4
	ValInt32   ValueType = 5
	ValFloat32 ValueType = 6
	ValBool    ValueType = 7
	ValString  ValueType = 8
	ValArray   ValueType = 9
	ValUint64  ValueType = 10
	ValInt64   ValueType = 11
	ValFloat64 ValueType = 12
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("valuetype%d", uint32(t))
}

// fixedSize is the encoded size of a scalar of type t (0 for string/array).
func (t ValueType) fixedSize() int {
	switch t {
	case ValUint8, ValInt8, ValBool:
		return 1
	case ValUint16, ValInt16:
		return 2
	case ValUint32, ValInt32, ValFloat32:
		return 4
	case ValUint64, ValInt64, ValFloat64:
		return 8
	}
	return 0
}

// Value is one metadata value. Scalars hold the Go type of the same width
// (uint8, int8, …, float64, bool, string); arrays hold a typed slice
// ([]string, []int32, []uint32, []float32, …, or []Value for nested arrays).
type Value struct {
	Type     ValueType
	ElemType ValueType // for arrays
	V        any
}

// KV is one metadata entry, in file order.
type KV struct {
	Key   string
	Value Value
}

// Uint reads an unsigned or non-negative signed integer value of any width.
func (v Value) Uint() (uint64, bool) {
	switch x := v.V.(type) {
	case uint8:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	case int8:
		return uint64(x), x >= 0
	case int16:
		return uint64(x), x >= 0
	case int32:
		return uint64(x), x >= 0
	case int64:
		return uint64(x), x >= 0
	}
	return 0, false
}

// Float reads a float or integer value (signed or unsigned, any width) as
// float64.
func (v Value) Float() (float64, bool) {
	switch x := v.V.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	if u, ok := v.Uint(); ok {
		return float64(u), true
	}
	return math.NaN(), false
}

// Metadata is the ordered key/value section of a GGUF file. Parse indexes
// the keys once; the getters only read, so one Metadata may serve several
// goroutines. A Metadata built by hand (no index) is searched linearly.
// Where a key appears twice, the last entry wins. KVs must not change after
// Parse, or the index goes stale.
type Metadata struct {
	KVs   []KV
	index map[string]int // key → position in KVs; built by Parse
}

func (m *Metadata) reindex() {
	m.index = make(map[string]int, len(m.KVs))
	for i, kv := range m.KVs {
		m.index[kv.Key] = i
	}
}

// Get returns the value stored under key.
func (m *Metadata) Get(key string) (Value, bool) {
	if m.index == nil {
		for i := len(m.KVs) - 1; i >= 0; i-- {
			if m.KVs[i].Key == key {
				return m.KVs[i].Value, true
			}
		}
		return Value{}, false
	}
	i, ok := m.index[key]
	if !ok {
		return Value{}, false
	}
	return m.KVs[i].Value, true
}

// Uint returns an integer value, with an error naming the key if it is
// missing or not an integer.
func (m *Metadata) Uint(key string) (uint64, error) {
	v, ok := m.Get(key)
	if !ok {
		return 0, fmt.Errorf("metadata key %s: missing", key)
	}
	u, ok := v.Uint()
	if !ok {
		return 0, fmt.Errorf("metadata key %s: want a non-negative integer, have %s", key, v.Type)
	}
	return u, nil
}

// Float returns a numeric value as float64.
func (m *Metadata) Float(key string) (float64, error) {
	v, ok := m.Get(key)
	if !ok {
		return 0, fmt.Errorf("metadata key %s: missing", key)
	}
	f, ok := v.Float()
	if !ok {
		return 0, fmt.Errorf("metadata key %s: want a number, have %s", key, v.Type)
	}
	return f, nil
}

// String returns a string value.
func (m *Metadata) String(key string) (string, error) {
	v, ok := m.Get(key)
	if !ok {
		return "", fmt.Errorf("metadata key %s: missing", key)
	}
	s, ok := v.V.(string)
	if !ok {
		return "", fmt.Errorf("metadata key %s: want a string, have %s", key, v.Type)
	}
	return s, nil
}

// Strings returns an array-of-strings value.
func (m *Metadata) Strings(key string) ([]string, error) {
	v, ok := m.Get(key)
	if !ok {
		return nil, fmt.Errorf("metadata key %s: missing", key)
	}
	s, ok := v.V.([]string)
	if !ok {
		return nil, fmt.Errorf("metadata key %s: want an array of strings, have %s of %s", key, v.Type, v.ElemType)
	}
	return s, nil
}

// Int32s returns an array-of-int32 value.
func (m *Metadata) Int32s(key string) ([]int32, error) {
	v, ok := m.Get(key)
	if !ok {
		return nil, fmt.Errorf("metadata key %s: missing", key)
	}
	s, ok := v.V.([]int32)
	if !ok {
		return nil, fmt.Errorf("metadata key %s: want an array of int32, have %s of %s", key, v.Type, v.ElemType)
	}
	return s, nil
}
