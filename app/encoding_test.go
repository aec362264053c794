package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/medmarket/medmarket/marketplace"
)

// A file that is not UTF-8 is refused with the byte and the line, and the
// error names the encoding to read it with; declared, it reads.
func TestPreview_encodingProblemNamesTheLikelyEncoding(t *testing.T) {
	dir := t.TempDir()
	// "Ã©" is a UTF-8 sequence, so detection reads the file as UTF-8 up to
	// the Latin-1 "è".
	latin1 := filepath.Join(dir, "latin1.csv")
	if err := os.WriteFile(latin1, []byte("sex,condition,age\nF,M\xc3\xa9ningite,34\nF,Fi\xe8vre,40\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var u16 []byte
	for _, r := range utf16.Encode([]rune("sex,city\nF,Liège\nM,Gent\n")) {
		u16 = append(u16, byte(r), byte(r>>8))
	}
	utf16File := filepath.Join(dir, "utf16.csv")
	if err := os.WriteFile(utf16File, u16, 0o644); err != nil {
		t.Fatal(err)
	}
	var a *App // the previews run without a node
	tests := []struct {
		name, path, encoding, likely, want string
	}{
		{"latin1 undeclared", latin1, "", EncodingLatin1, "line 3: not UTF-8 at byte 38 (looks like Latin-1"},
		{"latin1 declared utf-8", latin1, "utf-8", EncodingLatin1, "not UTF-8 at byte 38"},
		{"utf-16 without BOM", utf16File, "", EncodingUTF16, "looks like UTF-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.PreviewAnonymization(t.Context(), PreviewRequest{Path: tt.path, Format: "csv", Encoding: tt.encoding})
			likely, ok := LikelyEncoding(err)
			if marketplace.ErrorCode(err) != marketplace.EINVALID || !ok || likely != tt.likely || !strings.Contains(marketplace.ErrorMessage(err), tt.want) {
				t.Fatalf("got %v (likely %q %v), want EINVALID with %q suggesting %q", err, likely, ok, tt.want, tt.likely)
			}
		})
	}
	res, err := a.PreviewAnonymization(t.Context(), PreviewRequest{Path: latin1, Format: "csv", Encoding: EncodingLatin1})
	if err != nil || len(res.Rows) != 2 || res.Rows[1][1] != "Fièvre" {
		t.Fatalf("latin1 declared: %v %v", res.Rows, err)
	}
	res, err = a.PreviewAnonymization(t.Context(), PreviewRequest{Path: utf16File, Format: "csv", Encoding: EncodingUTF16})
	if err != nil || len(res.Rows) != 2 || res.Rows[0][1] != "Liège" {
		t.Fatalf("utf-16 declared: %v %v", res.Rows, err)
	}
	if _, err := a.PreviewAnonymization(t.Context(), PreviewRequest{Path: filepath.Join(dir, "none.csv")}); err == nil {
		t.Fatal("a missing file read")
	} else if _, ok := LikelyEncoding(err); ok {
		t.Errorf("a missing file is not an encoding problem: %v", err)
	}
}
