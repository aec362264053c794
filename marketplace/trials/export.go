package trials

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// ExportFormat names the trial export format (see README.md). An export is
// also a valid ledger bundle (format medmarket-ledger-bundle/v1): it adds
// the trial, the chain, and each entry's signature and decoded step.
const ExportFormat = "medmarket-trial-export/v1"

// Export is a trial's audit trail as an auditor receives it.
type Export struct {
	ledger.Bundle
	Export string            `json:"export"` // ExportFormat
	Trial  marketplace.Trial `json:"trial"`
	Chain  ExportChain       `json:"chain"`
	// Entries shadow the bundle's: the same index, leaf and proof, plus the
	// signature and the decoded step, for people (Verify checks that both
	// agree with the leaf, which alone is hashed and signed).
	Entries []ExportEntry `json:"entries"`
}

// ExportChain says where the trial is registered and anchored.
type ExportChain struct {
	ChainID  string         `json:"chain_id"`
	Registry common.Address `json:"registry"`
}

// ExportEntry is one log entry with its inclusion proof.
type ExportEntry struct {
	Index     uint64            `json:"index"`
	Leaf      []byte            `json:"leaf"`      // the exact bytes hashed as the leaf (base64)
	Signature hexutil.Bytes     `json:"signature"` // the sponsor's EIP-191 signature of the step
	Step      *marketplace.Step `json:"step,omitempty"`
	Proof     [][]byte          `json:"proof"` // RFC 6962 audit path, bottom up (base64 hashes)
}

// ledgerBundle returns the bundle the ledger verifies.
func (e *Export) ledgerBundle() *ledger.Bundle {
	b := e.Bundle
	b.Entries = make([]ledger.BundleEntry, len(e.Entries))
	for i, x := range e.Entries {
		b.Entries[i] = ledger.BundleEntry{Index: x.Index, Leaf: x.Leaf, Proof: x.Proof}
	}
	return &b
}

// Export returns trial id's audit trail: every entry, with its inclusion
// proof against a checkpoint of the whole log signed now, its signature and
// step, the checkpoints, the anchors and the trial. Verify says which
// entries are after the latest anchor.
func (s *Service) Export(ctx context.Context, id common.Hash) (*Export, error) {
	t, err := s.Trial(ctx, id)
	if err != nil {
		return nil, err
	}
	// Sign the current tree, so that the export is the whole log: Verify
	// says which entries are not anchored yet. A store that was changed is
	// refused a checkpoint (ECONFLICT); it is exported as it stands, for
	// verification to show what changed.
	if _, err := s.ledger.Checkpoint(ctx, ledger.LogID(id)); err != nil && marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		return nil, err
	}
	b, err := s.ledger.Export(ctx, ledger.LogID(id))
	if err != nil {
		return nil, err
	}
	e := &Export{Bundle: *b, Export: ExportFormat, Trial: t, Chain: ExportChain{ChainID: bigString(s.chainID), Registry: s.regAddr}}
	e.Bundle.Entries = nil
	e.Entries = make([]ExportEntry, len(b.Entries))
	for i, be := range b.Entries {
		x := ExportEntry{Index: be.Index, Leaf: be.Leaf, Proof: be.Proof}
		var l leafJSON
		if json.Unmarshal(be.Leaf, &l) == nil {
			x.Signature = l.Signature
			var step marketplace.Step
			if json.Unmarshal(l.Step, &step) == nil {
				x.Step = &step
			}
		}
		e.Entries[i] = x
	}
	return e, nil
}

// WriteExport writes e as indented JSON.
func WriteExport(w io.Writer, e *Export) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(e)
}

// ReadExport decodes an export (EINVALID when it is not one).
func ReadExport(r io.Reader) (*Export, error) {
	var e Export
	if err := json.NewDecoder(io.LimitReader(r, 1<<30)).Decode(&e); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Not a trial export")
	}
	if e.Export != ExportFormat {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Export format %q is not %q.", e.Export, ExportFormat)
	}
	if e.Format != ledger.BundleFormat {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Bundle format %q is not %q.", e.Format, ledger.BundleFormat)
	}
	return &e, nil
}

// ReadExportFile reads an export from a file.
func ReadExportFile(path string) (*Export, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "No export file %s.", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open export: %w", err)
	}
	defer f.Close()
	return ReadExport(f)
}

// WriteCSV writes the steps of e as CSV, one row per entry, for reading in
// a spreadsheet; the JSON export is what verifies.
func WriteCSV(w io.Writer, e *Export) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"index", "when", "type", "subject", "protocol", "protocol_sha256", "meaning", "who",
		"corrects", "reason", "data", "documents", "source_recorder", "source_ref", "source_actor", "source_at",
		"leaf_hash", "signature", "signer_name", "site", "concerns", "item", "signature_manifestation"})
	for _, x := range e.Entries {
		row := make([]string, 23)
		row[0] = strconv.FormatUint(x.Index, 10)
		row[16] = leafHash(x.Leaf).Hex()
		row[17] = x.Signature.String()
		if s := x.Step; s != nil {
			row[1] = s.When.Format(time.RFC3339Nano)
			row[2], row[3] = string(s.Type), s.Subject
			row[4], row[5] = strconv.Itoa(s.Protocol), s.ProtocolSHA256.Hex()
			row[6], row[7] = string(s.Meaning), s.Who.Hex()
			if s.Corrects != nil {
				row[8] = strconv.FormatUint(*s.Corrects, 10)
			}
			row[9], row[10] = s.Reason, string(s.Data)
			var docs []string
			for _, d := range s.Documents {
				docs = append(docs, d.Name+"="+hex.EncodeToString(d.SHA256[:]))
			}
			row[11] = strings.Join(docs, " ")
			if src := s.Source; src != nil {
				row[12], row[13], row[14] = src.Recorder, src.Ref, src.Actor
				if src.At != nil {
					row[15] = src.At.Format(time.RFC3339Nano)
				}
			}
			row[18], row[19] = s.Name, s.Site
			if s.Concerns != nil {
				row[20] = strconv.FormatUint(*s.Concerns, 10)
			}
			row[21], row[22] = s.Item, s.Manifestation()
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}
