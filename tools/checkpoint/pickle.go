package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// This file is a pickle reader that knows only what a torch.save state_dict
// needs. It is a stack machine like Python's, with two differences that make
// it safe: GLOBAL resolves only names on an allow-list (anything else is an
// error at once), and REDUCE "calls" only those names, each of which builds
// a plain Go description (a dict, a tensor reference) instead of running
// anything. Storages stay symbolic (key, dtype, element count); the .pth
// reader resolves them against the zip after the whole pickle parsed.
//
// Every length read from the stream is checked against the bytes left, and
// every value on the stack came from at least one opcode byte, so memory use
// is bounded by a small multiple of the pickle's size.

// Values on the machine's stack. All are comparable, so any of them can be a
// dict key without a runtime panic.
type (
	pyNoneType struct{}
	pyBytes    string
	pyTuple    struct{ items []any }
	pyList     struct{ items []any }
	pyDict     struct {
		keys, vals []any
		index      map[any]int
	}
	// pyGlobal is an allow-listed class or function named by GLOBAL.
	pyGlobal struct {
		module, name string
		kind         globalKind
		storage      storageType // for kind == globalStorage
	}
)

var pyNone = pyNoneType{}

// storageRef is a persistent id: one storage (zip entry data/<key>).
type storageRef struct {
	key   string
	typ   storageType
	numel int64 // elements, as the pickle declares
}

// tensorRef is a tensor as the pickle describes it: a strided view into a
// storage.
type tensorRef struct {
	storage *storageRef
	offset  int64 // in elements
	size    []int64
	stride  []int64
}

type globalKind int

const (
	globalOrderedDict globalKind = iota + 1
	globalRebuildTensorV2
	globalRebuildTensor
	globalRebuildParameter
	globalRebuildParameterWithState
	globalRebuildFromTypeV2
	globalStorage    // a storage class: a dtype tag inside persistent ids
	globalTensorType // torch.Tensor / Parameter: a type tag for _rebuild_from_type_v2
)

// storageType describes a torch storage class. dtype is 0 for classes this
// package recognises but cannot convert (integer storages): the allow-list
// accepts them so the error can say "unsupported dtype int64" rather than
// wrongly suggesting the file tried to run code.
type storageType struct {
	dtype     DType
	torchName string
}

// allowedGlobals is everything a state_dict pickle may name.
var allowedGlobals = map[string]pyGlobal{
	"collections.OrderedDict":                    {kind: globalOrderedDict},
	"torch._utils._rebuild_tensor_v2":            {kind: globalRebuildTensorV2},
	"torch._utils._rebuild_tensor":               {kind: globalRebuildTensor},
	"torch._utils._rebuild_parameter":            {kind: globalRebuildParameter},
	"torch._utils._rebuild_parameter_with_state": {kind: globalRebuildParameterWithState},
	"torch._tensor._rebuild_from_type_v2":        {kind: globalRebuildFromTypeV2},
	"torch.Tensor":                               {kind: globalTensorType},
	"torch.nn.parameter.Parameter":               {kind: globalTensorType},
	"torch.BFloat16Storage":                      {kind: globalStorage, storage: storageType{BF16, "bfloat16"}},
	"torch.HalfStorage":                          {kind: globalStorage, storage: storageType{F16, "float16"}},
	"torch.FloatStorage":                         {kind: globalStorage, storage: storageType{F32, "float32"}},
	"torch.DoubleStorage":                        {kind: globalStorage, storage: storageType{F64, "float64"}},
	"torch.LongStorage":                          {kind: globalStorage, storage: storageType{0, "int64"}},
	"torch.IntStorage":                           {kind: globalStorage, storage: storageType{0, "int32"}},
	"torch.ShortStorage":                         {kind: globalStorage, storage: storageType{0, "int16"}},
	"torch.CharStorage":                          {kind: globalStorage, storage: storageType{0, "int8"}},
	"torch.ByteStorage":                          {kind: globalStorage, storage: storageType{0, "uint8"}},
	"torch.BoolStorage":                          {kind: globalStorage, storage: storageType{0, "bool"}},
}

// errGlobalNotAllowed reports a GLOBAL outside the allow-list.
func errGlobalNotAllowed(module, name string) error {
	return fmt.Errorf("pickle: global %s.%s is not allowed (a checkpoint must not run code)", module, name)
}

// Pickle opcodes this reader understands (pickletools names).
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opBinInt2        = 'M'
	opNone           = 'N'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opBinString      = 'T'
	opShortBinString = 'U'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opBinGet         = 'h'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opProto          = 0x80
	opNewObj         = 0x81
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opLong4          = 0x8b
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opBinBytes8      = 0x8e
	opStackGlobal    = 0x93
	opMemoize        = 0x94
	opFrame          = 0x95
)

type unpickler struct {
	data     []byte
	pos      int
	stack    []any
	marks    []int // stack heights at each MARK
	memo     map[uint32]any
	storages map[string]*storageRef
	values   int // values pushed so far (see maxPickleValues)
}

// maxPickleValues bounds the values a pickle may push and memoize. A
// state_dict pushes about 22 per tensor (name, size and stride tuples,
// storage id), so 2^18 is six times what the largest published RWKV-7
// checkpoint (~2000 tensors) needs. Without a bound, one-byte opcodes (DUP,
// EMPTY_DICT, MEMOIZE) make the unpickler allocate ~100 bytes per byte of
// file: a 10 MB data.pkl took 1 GB; now refusing it takes under 50 MB.
const maxPickleValues = 1 << 18

// pickleError carries the offset of the opcode that failed.
type pickleError struct {
	offset int
	msg    string
}

func (e *pickleError) Error() string { return fmt.Sprintf("pickle: offset %d: %s", e.offset, e.msg) }

// unpickle runs the machine over data and returns the object STOP yields.
func unpickle(data []byte) (any, error) {
	u := &unpickler{data: data, memo: map[uint32]any{}, storages: map[string]*storageRef{}}
	return u.run()
}

func (u *unpickler) run() (any, error) {
	for {
		start := u.pos
		if u.pos >= len(u.data) {
			return nil, &pickleError{start, "unexpected end of data (no STOP)"}
		}
		op := u.data[u.pos]
		u.pos++
		done, result, err := u.step(op)
		if err == nil && (u.values > maxPickleValues || len(u.memo) > maxPickleValues) {
			err = fmt.Errorf("more than %d values: far more than a state_dict holds", maxPickleValues)
		}
		if err != nil {
			var ge globalError
			if errors.As(err, &ge) {
				return nil, ge.err
			}
			return nil, &pickleError{start, fmt.Sprintf("opcode 0x%02x: %v", op, err)}
		}
		if done {
			return result, nil
		}
	}
}

// globalError passes the not-allowed error out unchanged, without the offset
// wrapper, so the message names the global first.
type globalError struct{ err error }

func (g globalError) Error() string { return g.err.Error() }

func (u *unpickler) step(op byte) (done bool, result any, err error) {
	switch op {
	case opProto:
		v, err := u.readN(1)
		if err != nil {
			return false, nil, err
		}
		if v[0] > 5 {
			return false, nil, fmt.Errorf("unsupported pickle protocol %d", v[0])
		}
	case opFrame:
		if _, err := u.readN(8); err != nil { // frames only group opcodes; nothing to do
			return false, nil, err
		}
	case opStop:
		v, err := u.pop()
		return true, v, err

	case opMark:
		u.marks = append(u.marks, len(u.stack))
	case opPop:
		_, err = u.pop()
	case opPopMark:
		_, err = u.popMark()
	case opDup:
		var v any
		if v, err = u.top(); err == nil {
			u.push(v)
		}

	case opNone:
		u.push(pyNone)
	case opNewTrue:
		u.push(true)
	case opNewFalse:
		u.push(false)
	case opBinInt:
		var b []byte
		if b, err = u.readN(4); err == nil {
			u.push(int64(int32(binary.LittleEndian.Uint32(b))))
		}
	case opBinInt1:
		var b []byte
		if b, err = u.readN(1); err == nil {
			u.push(int64(b[0]))
		}
	case opBinInt2:
		var b []byte
		if b, err = u.readN(2); err == nil {
			u.push(int64(binary.LittleEndian.Uint16(b)))
		}
	case opLong1, opLong4:
		var n uint64
		if n, err = u.readLen(op == opLong4, 1, 4); err != nil {
			return false, nil, err
		}
		var v int64
		if v, err = u.readLong(n); err == nil {
			u.push(v)
		}
	case opBinFloat:
		var b []byte
		if b, err = u.readN(8); err == nil {
			u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
		}

	case opBinUnicode, opShortBinUni, opBinUnicode8, opBinString, opShortBinString:
		var s []byte
		if s, err = u.readCounted(op); err == nil {
			u.push(string(s))
		}
	case opBinBytes, opShortBinBytes, opBinBytes8:
		var s []byte
		if s, err = u.readCounted(op); err == nil {
			u.push(pyBytes(s))
		}

	case opEmptyTuple:
		u.push(&pyTuple{})
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if len(u.stack)-u.floor() < n {
			return false, nil, errors.New("stack underflow")
		}
		items := append([]any(nil), u.stack[len(u.stack)-n:]...)
		u.stack = u.stack[:len(u.stack)-n]
		u.push(&pyTuple{items})
	case opTuple:
		var items []any
		if items, err = u.popMark(); err == nil {
			u.push(&pyTuple{items})
		}
	case opEmptyList:
		u.push(&pyList{})
	case opList:
		var items []any
		if items, err = u.popMark(); err == nil {
			u.push(&pyList{items})
		}
	case opEmptyDict:
		u.push(newDict())
	case opDict:
		var items []any
		if items, err = u.popMark(); err == nil {
			d := newDict()
			if err = d.setPairs(items); err == nil {
				u.push(d)
			}
		}

	case opAppend:
		var v, l any
		if v, err = u.pop(); err != nil {
			return false, nil, err
		}
		if l, err = u.top(); err != nil {
			return false, nil, err
		}
		list, ok := l.(*pyList)
		if !ok {
			return false, nil, fmt.Errorf("APPEND to %s", describe(l))
		}
		list.items = append(list.items, v)
	case opAppends:
		var items []any
		var l any
		if items, err = u.popMark(); err != nil {
			return false, nil, err
		}
		if l, err = u.top(); err != nil {
			return false, nil, err
		}
		list, ok := l.(*pyList)
		if !ok {
			return false, nil, fmt.Errorf("APPENDS to %s", describe(l))
		}
		list.items = append(list.items, items...)
	case opSetItem:
		if len(u.stack)-u.floor() < 3 {
			return false, nil, errors.New("stack underflow")
		}
		items := u.stack[len(u.stack)-2:]
		u.stack = u.stack[:len(u.stack)-2]
		d, ok := u.stack[len(u.stack)-1].(*pyDict)
		if !ok {
			return false, nil, fmt.Errorf("SETITEM on %s", describe(u.stack[len(u.stack)-1]))
		}
		err = d.setPairs(items)
	case opSetItems:
		var items []any
		var top any
		if items, err = u.popMark(); err != nil {
			return false, nil, err
		}
		if top, err = u.top(); err != nil {
			return false, nil, err
		}
		d, ok := top.(*pyDict)
		if !ok {
			return false, nil, fmt.Errorf("SETITEMS on %s", describe(top))
		}
		err = d.setPairs(items)

	case opBinPut, opLongBinPut:
		var idx uint64
		if idx, err = u.readLen(op == opLongBinPut, 1, 4); err != nil {
			return false, nil, err
		}
		var v any
		if v, err = u.top(); err == nil {
			u.memo[uint32(idx)] = v
		}
	case opMemoize:
		var v any
		if v, err = u.top(); err == nil {
			u.memo[uint32(len(u.memo))] = v
		}
	case opBinGet, opLongBinGet:
		var idx uint64
		if idx, err = u.readLen(op == opLongBinGet, 1, 4); err != nil {
			return false, nil, err
		}
		v, ok := u.memo[uint32(idx)]
		if !ok {
			return false, nil, fmt.Errorf("memo index %d was never stored", idx)
		}
		u.push(v)

	case opGlobal:
		module, err := u.readLine()
		if err != nil {
			return false, nil, err
		}
		name, err := u.readLine()
		if err != nil {
			return false, nil, err
		}
		g, err := lookupGlobal(module, name)
		if err != nil {
			return false, nil, err
		}
		u.push(g)
	case opStackGlobal:
		var nameV, moduleV any
		if nameV, err = u.pop(); err != nil {
			return false, nil, err
		}
		if moduleV, err = u.pop(); err != nil {
			return false, nil, err
		}
		module, ok1 := moduleV.(string)
		name, ok2 := nameV.(string)
		if !ok1 || !ok2 {
			return false, nil, fmt.Errorf("STACK_GLOBAL needs two strings, got %s and %s", describe(moduleV), describe(nameV))
		}
		g, err := lookupGlobal(module, name)
		if err != nil {
			return false, nil, err
		}
		u.push(g)

	case opReduce, opNewObj:
		var args, fn any
		if args, err = u.pop(); err != nil {
			return false, nil, err
		}
		if fn, err = u.pop(); err != nil {
			return false, nil, err
		}
		var v any
		if v, err = u.call(fn, args, op == opNewObj); err == nil {
			u.push(v)
		}
	case opBuild:
		var obj any
		if _, err = u.pop(); err != nil { // the state
			return false, nil, err
		}
		if obj, err = u.top(); err != nil {
			return false, nil, err
		}
		// A state_dict's OrderedDict carries `_metadata` (module versions) as
		// instance state, and a tensor may carry Python attributes; neither
		// matters for the weights, so the state is dropped.
		switch obj.(type) {
		case *pyDict, *tensorRef:
		default:
			return false, nil, fmt.Errorf("BUILD on %s", describe(obj))
		}
	case opBinPersID:
		var pid any
		if pid, err = u.pop(); err != nil {
			return false, nil, err
		}
		var s *storageRef
		if s, err = u.persistentLoad(pid); err == nil {
			u.push(s)
		}
	default:
		return false, nil, fmt.Errorf("opcode not supported in a checkpoint")
	}
	return false, nil, err
}

func lookupGlobal(module, name string) (pyGlobal, error) {
	g, ok := allowedGlobals[module+"."+name]
	if !ok {
		return pyGlobal{}, globalError{errGlobalNotAllowed(module, name)}
	}
	g.module, g.name = module, name
	return g, nil
}

// call is REDUCE/NEWOBJ: the allow-listed "functions" build Go descriptions.
func (u *unpickler) call(fn, argsV any, newobj bool) (any, error) {
	g, ok := fn.(pyGlobal)
	if !ok {
		return nil, fmt.Errorf("cannot call %s", describe(fn))
	}
	args, ok := argsV.(*pyTuple)
	if !ok {
		return nil, fmt.Errorf("%s.%s: arguments are %s, not a tuple", g.module, g.name, describe(argsV))
	}
	if newobj && g.kind != globalOrderedDict {
		return nil, fmt.Errorf("cannot instantiate %s.%s", g.module, g.name)
	}
	a := args.items
	switch g.kind {
	case globalOrderedDict:
		if len(a) != 0 {
			return nil, fmt.Errorf("OrderedDict with %d arguments (want none)", len(a))
		}
		return newDict(), nil
	case globalRebuildTensorV2:
		// (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
		if len(a) != 6 && len(a) != 7 {
			return nil, fmt.Errorf("_rebuild_tensor_v2 with %d arguments (want 6 or 7)", len(a))
		}
		return rebuildTensor(a[:4])
	case globalRebuildTensor:
		// (storage, storage_offset, size, stride)
		if len(a) != 4 {
			return nil, fmt.Errorf("_rebuild_tensor with %d arguments (want 4)", len(a))
		}
		return rebuildTensor(a)
	case globalRebuildParameter, globalRebuildParameterWithState:
		// (data, requires_grad, backward_hooks[, state]): a Parameter is its data.
		want := 3
		if g.kind == globalRebuildParameterWithState {
			want = 4
		}
		if len(a) != want {
			return nil, fmt.Errorf("%s with %d arguments (want %d)", g.name, len(a), want)
		}
		t, ok := a[0].(*tensorRef)
		if !ok {
			return nil, fmt.Errorf("%s of %s, not a tensor", g.name, describe(a[0]))
		}
		return t, nil
	case globalRebuildFromTypeV2:
		// (func, new_type, args, state): a tensor subclass or a tensor with
		// Python attributes; only plain tensors and Parameters are accepted.
		if len(a) != 4 {
			return nil, fmt.Errorf("_rebuild_from_type_v2 with %d arguments (want 4)", len(a))
		}
		inner, ok := a[0].(pyGlobal)
		if !ok || (inner.kind != globalRebuildTensorV2 && inner.kind != globalRebuildTensor) {
			return nil, fmt.Errorf("_rebuild_from_type_v2 of %s", describe(a[0]))
		}
		if typ, ok := a[1].(pyGlobal); !ok || typ.kind != globalTensorType {
			return nil, fmt.Errorf("_rebuild_from_type_v2 to type %s", describe(a[1]))
		}
		return u.call(inner, a[2], false)
	}
	return nil, fmt.Errorf("%s.%s cannot be called", g.module, g.name)
}

// rebuildTensor reads (storage, storage_offset, size, stride).
func rebuildTensor(a []any) (*tensorRef, error) {
	s, ok := a[0].(*storageRef)
	if !ok {
		return nil, fmt.Errorf("tensor storage is %s, not a storage", describe(a[0]))
	}
	off, ok := a[1].(int64)
	if !ok || off < 0 {
		return nil, fmt.Errorf("tensor storage offset is %s", describe(a[1]))
	}
	size, err := intTuple(a[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := intTuple(a[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(size) != len(stride) {
		return nil, fmt.Errorf("tensor has %d sizes but %d strides", len(size), len(stride))
	}
	return &tensorRef{storage: s, offset: off, size: size, stride: stride}, nil
}

func intTuple(v any, what string) ([]int64, error) {
	t, ok := v.(*pyTuple)
	if !ok {
		return nil, fmt.Errorf("tensor %s is %s, not a tuple", what, describe(v))
	}
	out := make([]int64, len(t.items))
	for i, x := range t.items {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("tensor %s[%d] is %s", what, i, describe(x))
		}
		out[i] = n
	}
	return out, nil
}

// persistentLoad turns torch's persistent id
// ('storage', storage_type, key, location, numel) into a storageRef; the same
// key always yields the same storage, as several tensors may view one.
func (u *unpickler) persistentLoad(pid any) (*storageRef, error) {
	t, ok := pid.(*pyTuple)
	if !ok || len(t.items) != 5 {
		return nil, fmt.Errorf("persistent id %s is not a 5-tuple", describe(pid))
	}
	if tag, _ := t.items[0].(string); tag != "storage" {
		return nil, fmt.Errorf("persistent id of kind %s (want 'storage')", describe(t.items[0]))
	}
	g, ok := t.items[1].(pyGlobal)
	if !ok || g.kind != globalStorage {
		return nil, fmt.Errorf("storage type is %s", describe(t.items[1]))
	}
	key, ok := t.items[2].(string)
	if !ok {
		return nil, fmt.Errorf("storage key is %s", describe(t.items[2]))
	}
	// items[3] is the device the storage was saved from ("cpu", "cuda:0"):
	// the bytes are the same, so it is not read.
	numel, ok := t.items[4].(int64)
	if !ok || numel < 0 {
		return nil, fmt.Errorf("storage %q size is %s", key, describe(t.items[4]))
	}
	if s, ok := u.storages[key]; ok {
		if s.typ != g.storage || s.numel != numel {
			return nil, fmt.Errorf("storage %q declared twice with different type or size", key)
		}
		return s, nil
	}
	s := &storageRef{key: key, typ: g.storage, numel: numel}
	u.storages[key] = s
	return s, nil
}

func newDict() *pyDict { return &pyDict{index: map[any]int{}} }

// setPairs stores key/value pairs in order; a repeated key keeps its first
// position, as in Python.
func (d *pyDict) setPairs(items []any) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of dict items (%d)", len(items))
	}
	for i := 0; i < len(items); i += 2 {
		k, v := items[i], items[i+1]
		if j, ok := d.index[k]; ok {
			d.vals[j] = v
			continue
		}
		d.index[k] = len(d.keys)
		d.keys = append(d.keys, k)
		d.vals = append(d.vals, v)
	}
	return nil
}

func (u *unpickler) push(v any) {
	u.values++
	u.stack = append(u.stack, v)
}

// floor is the lowest stack index the current MARK frame may touch.
func (u *unpickler) floor() int {
	if len(u.marks) == 0 {
		return 0
	}
	return u.marks[len(u.marks)-1]
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) <= u.floor() {
		return nil, errors.New("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) <= u.floor() {
		return nil, errors.New("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, errors.New("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) readN(n uint64) ([]byte, error) {
	if n > uint64(len(u.data)-u.pos) {
		return nil, fmt.Errorf("needs %d bytes, %d left", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+int(n)]
	u.pos += int(n)
	return b, nil
}

// readLen reads an unsigned little-endian length of short or long bytes.
func (u *unpickler) readLen(long bool, short, longN int) (uint64, error) {
	n := short
	if long {
		n = longN
	}
	b, err := u.readN(uint64(n))
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// readCounted reads the payload of a length-prefixed string or bytes opcode.
func (u *unpickler) readCounted(op byte) ([]byte, error) {
	var n uint64
	var err error
	switch op {
	case opShortBinUni, opShortBinString, opShortBinBytes:
		n, err = u.readLen(false, 1, 1)
	case opBinUnicode8, opBinBytes8:
		n, err = u.readLen(false, 8, 8)
	case opBinString:
		n, err = u.readLen(false, 4, 4)
		if err == nil && n > math.MaxInt32 { // BINSTRING's length is signed
			return nil, fmt.Errorf("negative string length")
		}
	default:
		n, err = u.readLen(false, 4, 4)
	}
	if err != nil {
		return nil, err
	}
	return u.readN(n)
}

// readLong decodes n bytes of little-endian two's complement into an int64.
func (u *unpickler) readLong(n uint64) (int64, error) {
	if n > 8 {
		return 0, fmt.Errorf("integer of %d bytes is too large", n)
	}
	b, err := u.readN(n)
	if err != nil || n == 0 {
		return 0, err
	}
	var v uint64
	for i := int(n) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if shift := 64 - 8*n; shift > 0 { // sign-extend
		v = uint64(int64(v<<shift) >> shift)
	}
	return int64(v), nil
}

// readLine reads up to '\n' for GLOBAL's text arguments.
func (u *unpickler) readLine() (string, error) {
	rest := u.data[u.pos:]
	i := bytes.IndexByte(rest[:min(len(rest), 4096)], '\n')
	if i < 0 {
		return "", errors.New("GLOBAL name not terminated by a newline")
	}
	u.pos += i + 1
	return string(rest[:i]), nil
}

// describe names a value's type for error messages; it never walks into a
// container, so a self-referencing list cannot make it loop.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case pyNoneType:
		return "None"
	case bool:
		return "bool"
	case int64:
		return fmt.Sprintf("int %d", x)
	case float64:
		return "float"
	case string:
		if len(x) > 64 {
			x = x[:64] + "..."
		}
		return fmt.Sprintf("str %q", x)
	case pyBytes:
		return "bytes"
	case *pyTuple:
		return fmt.Sprintf("tuple of %d", len(x.items))
	case *pyList:
		return fmt.Sprintf("list of %d", len(x.items))
	case *pyDict:
		return fmt.Sprintf("dict of %d", len(x.keys))
	case pyGlobal:
		return "global " + x.module + "." + x.name
	case *storageRef:
		return "storage " + x.key
	case *tensorRef:
		return "tensor"
	}
	return fmt.Sprintf("%T", v)
}
