package anonymizer

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

func TestBatch_roundTrip(t *testing.T) {
	tab := anonymizetest.Patients(1000, 3)
	h, err := anonymize.NewHierarchy([][]string{{"a", "*"}, {"b", "*"}})
	if err != nil {
		t.Fatal(err)
	}
	tab.Columns[6].Hierarchy, tab.Columns[6].Level, tab.Columns[6].Role = h, 1, anonymize.RoleQuasi
	bt := newBatcher(tab, newHierarchyIDs(1, nil))
	hier := newHierarchyMap()
	var parts []*anonymize.Table
	for lo := 0; lo < 1000; lo += 300 {
		raw, err := proto.Marshal(bt.encode(lo, min(lo+300, 1000)))
		if err != nil {
			t.Fatal(err)
		}
		var m pb.Batch
		if err := proto.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		b, err := decodeBatch("patients", &m, hier)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, b)
	}
	got, err := anonymize.Concat(parts...)
	if err != nil {
		t.Fatal(err)
	}
	for j, c := range got.Columns {
		w := tab.Columns[j]
		if c.Name != w.Name || c.Type != w.Type || c.Role != w.Role || c.Level != w.Level || !reflect.DeepEqual(c.Values(), w.Values()) {
			t.Errorf("column %s differs after the round trip", w.Name)
		}
	}
	if !reflect.DeepEqual(got.Columns[6].Hierarchy.Rows(), h.Rows()) {
		t.Error("hierarchy differs")
	}
	if n := len(parts[1].Columns[6].Dict); n > 2 {
		t.Errorf("a batch carries %d values of a 2-value column", n)
	}
}

// FuzzDecodeBatch: whatever bytes a plugin sends, decoding returns a valid
// table or an error, never a panic.
func FuzzDecodeBatch(f *testing.F) {
	tab := anonymizetest.Patients(20, 1)
	seed, _ := proto.Marshal(newBatcher(tab, newHierarchyIDs(1, nil)).encode(0, 20))
	f.Add(seed)
	h, _ := anonymize.NewHierarchy([][]string{{"1", "*"}})
	tab.Columns[0].Hierarchy = h
	withH, _ := proto.Marshal(newBatcher(tab, newHierarchyIDs(1, nil)).encode(0, 5))
	f.Add(withH)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m pb.Batch
		if err := proto.Unmarshal(raw, &m); err != nil {
			return
		}
		if m.Rows > 1<<20 {
			return
		}
		b, err := decodeBatch("fuzz", &m, newHierarchyMap())
		if err != nil {
			return
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("decoded an invalid table: %v", err)
		}
	})
}

// A column passed through in some batches and sent in others is put
// together from both.
func TestAssemble_mixedPassThrough(t *testing.T) {
	in, err := anonymizetest.Table("t", []string{"a", "b"}, [][]string{{"1", "x"}, {"2", "y"}, {"3", "x"}, {"4", "z"}})
	if err != nil {
		t.Fatal(err)
	}
	sizes := &sizeQueue{}
	sizes.push(0, 0, 2)
	sizes.push(0, 2, 4)
	meta := func(name string) *anonymize.Column { return &anonymize.Column{Name: name, Applied: []string{"t"}} }
	b0 := &anonymize.Table{Columns: []*anonymize.Column{meta("a"), meta("b")}}
	b1 := &anonymize.Table{Columns: []*anonymize.Column{meta("a"), anonymize.NewColumn("b", anonymize.TypeString, anonymize.RoleInsensitive, []string{"X", "Z"})}}
	out, err := assemble(in, []*anonymize.Table{b0, b1}, [][]int{{0, 1}, {0, -1}}, sizes)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Column("a").Values(); !reflect.DeepEqual(got, []string{"1", "2", "3", "4"}) {
		t.Errorf("a = %v", got)
	}
	if &out.Column("a").Codes[0] != &in.Column("a").Codes[0] {
		t.Error("a column passed through everywhere was copied")
	}
	if got := out.Column("b").Values(); !reflect.DeepEqual(got, []string{"x", "y", "X", "Z"}) {
		t.Errorf("b = %v", got)
	}
	if err := out.Validate(); err != nil {
		t.Fatal(err)
	}
}
