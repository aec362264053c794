package app

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// DownloadRequest says where a download goes: a file path (written
// atomically: a temp file renamed into place once decrypted and complete),
// or a writer (streamed; on error it may hold part of the data).
type DownloadRequest struct {
	Out    string
	Writer io.Writer
	// Format is the file format wanted: "csv", "parquet", or "" for the
	// format the dataset was published in. A dataset published in the
	// other format is converted after decrypting.
	Format string
}

// Download formats.
const (
	FormatCSV     = "csv"
	FormatParquet = "parquet"
)

// DownloadFormat checks a format name ("" keeps the published format);
// EINVALID naming the field for anything else.
func DownloadFormat(f string) (string, error) {
	switch f = strings.ToLower(strings.TrimSpace(f)); f {
	case "", FormatCSV, FormatParquet:
		return f, nil
	}
	return "", marketplace.Errorf(marketplace.EINVALID, "Format: %q is not a download format (want csv or parquet, or none for the published format).", f)
}

// FormatOfPath returns the format a file name asks for by its extension
// (".csv", ".parquet"), or "".
func FormatOfPath(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return FormatCSV
	case ".parquet", ".pq":
		return FormatParquet
	}
	return ""
}

// Downloaded is a completed download.
type Downloaded struct {
	ListingID   uint64
	ContentHash common.Hash
	Format      string // the format written: "csv" or "parquet"
	Published   string // the card's format, when the download was converted from it
	Bytes       int64  // decrypted bytes written
	Path        string // the file written, when Out was given
	Provider    string // the provider that served it
	// Package is "zip" for a release package (marketplace.PackageZIP):
	// the bytes are a ZIP of the tables in Format and manifest.json.
	Package string
}

// Download fetches listing id's dataset for the actor with a signed request
// (EIP-191, one-use nonce, 5-minute expiry) from the listing's provider,
// checks the blob's SHA-256 against the content hash on chain, unwraps the
// dataset key with the actor's key and decrypts. When the listing's provider
// is this node, the provider logic runs in process, with the same checks.
//
// Refusals: EFORBIDDEN when the provider finds no valid licence (none bought,
// expired, seat removed) or the request is not acceptable; EUNAVAILABLE
// "provider <url> unreachable"; EINVALID when the blob does not match the
// listing or does not decrypt (damaged or tampered with); ENOTFOUND for an
// unknown listing.
func (a *App) Download(ctx context.Context, who Actor, id uint64, dst DownloadRequest) (Downloaded, error) {
	if dst.Out == "" && dst.Writer == nil {
		return Downloaded{}, marketplace.Errorf(marketplace.EINVALID, "Output: name a file to write the dataset to.")
	}
	want, err := DownloadFormat(dst.Format)
	if err != nil {
		return Downloaded{}, err
	}
	l, err := a.Listing(ctx, id)
	if err != nil {
		return Downloaded{}, err
	}
	_, p, err := a.ready()
	if err != nil {
		return Downloaded{}, err
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return Downloaded{}, err
	}
	defer release()
	d, err := a.fetchDelivery(ctx, p, sg, l)
	if err != nil {
		return Downloaded{}, err
	}
	defer d.Blob.Close()
	out := Downloaded{ListingID: id, ContentHash: l.ContentHash, Provider: l.Provider}
	if l.Card != nil {
		out.Format, out.Package = l.Card.Format, l.Card.Package
	}
	ct, err := a.checkedCiphertext(dst, l, d)
	if err != nil {
		return out, err
	}
	defer func() { _ = os.Remove(ct.Name()) }()
	defer ct.Close()
	dk, err := sg.UnwrapKey(d.WrappedKey)
	if err != nil {
		return out, err
	}
	if _, err := ct.Seek(0, io.SeekStart); err != nil {
		return out, err
	}
	var plain io.Reader
	if plain, err = dk.Decrypt(ct); err != nil {
		return out, err
	}
	if published := cmp.Or(out.Format, FormatCSV); want != "" && want != published {
		if plain, err = convertDataset(plain, published, want, l.Card); err != nil {
			return out, err
		}
		out.Format, out.Published = want, published
	}
	if dst.Writer != nil {
		out.Bytes, err = io.Copy(dst.Writer, plain)
		return out, decryptErr(err)
	}
	if out.Bytes, err = writeFileAtomically(dst.Out, plain); err != nil {
		return out, err
	}
	out.Path = dst.Out
	a.log.Info("dataset downloaded", "listing", id, "account", sg.Address(), "bytes", out.Bytes, "provider", l.Provider)
	return out, nil
}

// fetchDelivery asks listing l's provider (in process when it is this
// node) for the blob and sg's wrapped key, with a request signed by sg. A
// statement whose delivery at purchase failed goes with the download.
func (a *App) fetchDelivery(ctx context.Context, p *provider.Provider, sg *vault.Signer, l *marketplace.Listing) (*provider.Delivery, error) {
	if st, err := a.store.MyStatement(ctx, l.ID, sg.Address()); err == nil && st.Delivered.IsZero() {
		_ = a.deliverStatement(ctx, &st) // kept with its outcome; undelivered ones are retried
	}
	req, err := provider.NewRequest(a.chainID.Uint64(), p.Contract, l.ID, sg.Address(), a.now(), provider.MaxRequestLifetime/2)
	if err != nil {
		return nil, err
	}
	sr, err := provider.Sign(req, sg)
	if err != nil {
		return nil, err
	}
	if a.providesHere(ctx, l) {
		return p.Download(ctx, sr)
	}
	return a.market.client.Download(ctx, l.Provider, sr)
}

// checkedCiphertext copies the delivered blob to a temp file and checks
// its hash against the listing's content hash on chain before a byte is
// decrypted. The file is next to the one the user asked for, else in the
// data directory (never the system's temp directory: uploads.go); the
// caller closes and removes it.
func (a *App) checkedCiphertext(dst DownloadRequest, l *marketplace.Listing, d *provider.Delivery) (*os.File, error) {
	var ct *os.File
	var err error
	if dst.Out != "" {
		dir := filepath.Dir(dst.Out)
		if ct, err = os.CreateTemp(dir, ".medmarket-blob-*"); err != nil {
			return nil, marketplace.Wrap(marketplace.EINVALID, err, "Output directory %s is not writable", dir)
		}
	} else if ct, err = a.createTransient("download-*"); err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		ct.Close()
		_ = os.Remove(ct.Name())
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(ct, h), d.Blob); err != nil {
		return fail(marketplace.Wrap(marketplace.EUNAVAILABLE, err, "provider %s: the download broke off", l.Provider))
	}
	if got := common.BytesToHash(h.Sum(nil)); got != l.ContentHash {
		return fail(marketplace.Errorf(marketplace.EINVALID,
			"The dataset from %s is damaged or was tampered with: its SHA-256 is %s, the listing's content hash is %s.", l.Provider, got.Hex(), l.ContentHash.Hex()))
	}
	return ct, nil
}

// writeFileAtomically writes the decrypted dataset to a temp file next to
// path, readable by its owner only, and renames it into place once
// complete; it returns the bytes written.
func writeFileAtomically(path string, plain io.Reader) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".part-*")
	if err != nil {
		return 0, marketplace.Wrap(marketplace.EINVALID, err, "Output %s cannot be written", path)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	n, err := io.Copy(tmp, plain)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, decryptErr(err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return n, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return n, marketplace.Wrap(marketplace.EINVALID, err, "Output %s cannot be written", path)
	}
	return n, nil
}

// convertDataset converts a decrypted dataset between CSV and Parquet with
// the anonymize package's readers and writers: the card's column types read
// the CSV, its column order orders the Parquet file's columns (which come
// sorted by name). A release package (a ZIP) stays a ZIP, each table
// inside it converted (convertRelease).
func convertDataset(r io.Reader, from, to string, card *marketplace.DatasetCard) (io.Reader, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, decryptErr(err)
	}
	if card != nil && card.Package == marketplace.PackageZIP {
		return convertRelease(data, to)
	}
	t, err := readPublished(data, from, card)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "The dataset (%s) cannot be converted to %s", from, to)
	}
	var buf bytes.Buffer
	if to == FormatParquet {
		err = anonymize.WriteParquet(&buf, t)
	} else {
		err = anonymize.WriteCSV(&buf, t, anonymize.CSVWriteOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("convert the dataset to %s: %w", to, err)
	}
	return &buf, nil
}

// readPublished reads a single-table dataset published as format, with
// the card's column types and order.
func readPublished(data []byte, format string, card *marketplace.DatasetCard) (*anonymize.Table, error) {
	switch format {
	case FormatCSV, "":
		opt := anonymize.CSVOptions{Name: "dataset", Delimiter: ',', Header: anonymize.HeaderPresent}
		if card != nil {
			opt.Types = map[string]anonymize.Type{}
			for _, c := range card.Columns {
				var typ anonymize.Type
				if typ.UnmarshalText([]byte(c.Type)) == nil {
					opt.Types[c.Name] = typ
				}
			}
		}
		return anonymize.ReadCSV(bytes.NewReader(data), opt)
	case FormatParquet:
		t, err := anonymize.ReadParquet(bytes.NewReader(data), int64(len(data)), "dataset")
		if err == nil && card != nil {
			t = inCardOrder(t, card)
		}
		return t, err
	}
	return nil, marketplace.Errorf(marketplace.EINVALID, "Format: the dataset is published as %q, which cannot be read.", format)
}

// inCardOrder orders t's columns as the card lists them, when it names
// every one of them.
func inCardOrder(t *anonymize.Table, card *marketplace.DatasetCard) *anonymize.Table {
	if len(card.Columns) != len(t.Columns) {
		return t
	}
	cols := make([]*anonymize.Column, 0, len(t.Columns))
	for _, c := range card.Columns {
		col := t.Column(c.Name)
		if col == nil {
			return t
		}
		cols = append(cols, col)
	}
	return t.WithColumns(cols)
}

func decryptErr(err error) error {
	if err == nil || marketplace.ErrorCode(err) != marketplace.EINTERNAL {
		return err
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return marketplace.Wrap(marketplace.EINVALID, err, "Output cannot be written")
	}
	return fmt.Errorf("decrypt dataset: %w", err)
}

// providesHere reports whether this node holds the listing's blob and key
// (it published it, whatever URL it announced), so the provider logic runs
// in process instead of over HTTP.
func (a *App) providesHere(ctx context.Context, l *marketplace.Listing) bool {
	if _, err := a.store.DatasetKey(ctx, l.ContentHash); err != nil {
		return false
	}
	has, err := a.market.blobs.Has(ctx, vault.Hash(l.ContentHash))
	if err != nil {
		a.log.Warn("blob store cannot say whether it holds a listing's blob", "content", l.ContentHash, "err", err)
	}
	return has
}

// attestTimeout bounds the question "do you serve this listing?" to a
// provider, asked before a buy and for its preview.
const attestTimeout = 5 * time.Second

// checkServed refuses (EFORBIDDEN, naming the listing, the provider and the
// reason) to let anyone pay for listing l unless its provider says, right
// now, that it serves l's buyers (provider.Attestation): the provider holds
// the dataset of l's content hash, handed to it by l's seller. A listing the
// catalog flagged (card not matching or not signed by its seller, or a copy
// of another seller's dataset) is refused without asking. When the listing
// names this node, or this node holds the dataset, the provider logic
// answers in process. A provider
// that cannot be reached is EUNAVAILABLE: nothing is paid either way.
func (a *App) checkServed(ctx context.Context, l *marketplace.Listing) error {
	if l.CardStatus == marketplace.CardMismatch {
		return marketplace.Errorf(marketplace.EFORBIDDEN,
			"Listing %d is not shown in the catalog: its dataset card does not match or is not signed by its seller %s, or it copies a dataset another seller listed first. Not bought.",
			l.ID, l.Seller.Hex())
	}
	_, p, err := a.ready()
	if err != nil {
		return err
	}
	var at provider.Attestation
	if l.Provider == a.PublicURL() || a.providesHere(ctx, l) {
		at, err = p.Attest(ctx, l.ID)
	} else {
		actx, cancel := context.WithTimeout(ctx, attestTimeout)
		at, err = a.market.client.Attest(actx, l.Provider, l.ID)
		cancel()
	}
	if err != nil {
		code := marketplace.ErrorCode(err)
		if code != marketplace.EFORBIDDEN && code != marketplace.EINVALID {
			code = marketplace.EUNAVAILABLE
		}
		return marketplace.Wrap(code, err, "Listing %d: its provider %s did not confirm that it serves buyers, so nothing was bought", l.ID, l.Provider)
	}
	return at.Check(l.Provider, a.chainID.Uint64(), p.Contract, l.ID)
}
