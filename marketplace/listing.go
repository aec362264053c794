package marketplace

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// Listing is what the catalog shows for one listing of the DataLicenseMarket contract: the on-chain
// facts from its events, joined with the off-chain dataset card whose hash the listing carries.
//
// The chain is the authority. Nobody edits a Listing: the catalog indexer builds it from the
// contract's events (Listed creates it; Delisted, PriceChanged and LicencePurchased update it), and
// re-indexing the chain from block 0 rebuilds exactly the same value.
type Listing struct {
	// ID is the contract's listing id (the first is 1; 0 names no listing).
	ID uint64 `json:"id"`
	// Seller is the account that listed the dataset; only it may delist or reprice.
	Seller common.Address `json:"seller"`
	// ContentHash names the encrypted blob: SHA-256 of the ciphertext.
	ContentHash common.Hash `json:"content_hash"`
	// Price is what a licence costs now, in wei (never nil in a valid listing). Changed by the
	// seller with setPrice; JSON carries it as a decimal string ("price_wei").
	Price *big.Int `json:"-"`
	// Terms are the licence's DUO codes, duration and seats, fixed at listing.
	Terms Terms `json:"terms"`
	// MetadataHash is the on-chain hash of the dataset card (see DatasetCard.Hash).
	MetadataHash common.Hash `json:"metadata_hash"`
	// Provider is the URL of the node (the publisher's own, or a hub) that serves the card, the
	// blob and the buyers' keys; emitted on chain with the listing.
	Provider string `json:"provider"`

	// Block, LogIndex and TxHash locate the Listed event; ListedAt is its block's time.
	Block    uint64      `json:"block"`
	LogIndex uint        `json:"log_index"`
	TxHash   common.Hash `json:"tx_hash"`
	ListedAt time.Time   `json:"listed_at"`

	// Active is true until the seller delists (final: licences already sold stay valid).
	Active bool `json:"active"`
	// Sales counts LicencePurchased events, renewals included.
	Sales uint64 `json:"sales"`

	// Card is the dataset card, nil unless CardStatus is CardVerified.
	Card *DatasetCard `json:"card,omitempty"`
	// CardStatus says whether the card was found and matched MetadataHash. Only listings with a
	// verified card appear in search results; the others can still be looked up by id.
	CardStatus CardStatus `json:"card_status"`
}

// CardStatus is the state of a listing's dataset card in the catalog.
type CardStatus string

const (
	// CardVerified: the card was found, hashes to the listing's metadata hash, and is valid.
	CardVerified CardStatus = "verified"
	// CardPending: the card could not be fetched yet (provider unreachable); the indexer retries.
	CardPending CardStatus = "pending"
	// CardMismatch: the card found does not hash to the metadata hash, or is not a valid card, or
	// the listing fails the catalog's checks (its card is not signed by its seller; it copies the
	// content hash another seller listed first). The listing is flagged, never shown in search
	// results, and never bought.
	CardMismatch CardStatus = "mismatch"
)

// listingJSON is Listing's wire form: Price as a decimal string so that readers that parse
// numbers as floats (JavaScript) do not lose wei.
type listingJSON struct {
	listingAlias
	PriceWei string `json:"price_wei"`
}

type listingAlias Listing

// MarshalJSON encodes the listing with its price as a decimal string in "price_wei".
func (l Listing) MarshalJSON() ([]byte, error) {
	p := "0"
	if l.Price != nil {
		p = l.Price.String()
	}
	return json.Marshal(listingJSON{listingAlias: listingAlias(l), PriceWei: p})
}

// UnmarshalJSON is the inverse of MarshalJSON.
func (l *Listing) UnmarshalJSON(b []byte) error {
	var v listingJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = Listing(v.listingAlias)
	l.Price = nil
	if v.PriceWei != "" {
		p, ok := new(big.Int).SetString(v.PriceWei, 10)
		if !ok {
			return fmt.Errorf("listing price_wei %q is not a decimal integer", v.PriceWei)
		}
		l.Price = p
	}
	return nil
}

// maxUint256 is the largest value a uint256 price can take.
var maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// Validate reports whether the listing is complete and consistent, as an EINVALID error naming the
// first bad field. Terms are checked only for reserved bits: the contract accepts any DUO
// combination, and the catalog shows what the chain says.
func (l *Listing) Validate() error {
	switch {
	case l.ID == 0:
		return Errorf(EINVALID, "Listing id required (0 names no listing).")
	case l.Seller == (common.Address{}):
		return Errorf(EINVALID, "Listing seller required.")
	case l.ContentHash == (common.Hash{}):
		return Errorf(EINVALID, "Listing content hash required.")
	case l.Price == nil:
		return Errorf(EINVALID, "Listing price required.")
	case l.Price.Sign() < 0 || l.Price.Cmp(maxUint256) > 0:
		return Errorf(EINVALID, "Listing price %s is outside 0..2^256-1 wei.", l.Price)
	}
	if _, err := UnpackTerms(l.Terms.Pack()); err != nil {
		return Errorf(EINVALID, "Listing terms: %s", ErrorMessage(err))
	}
	// The contract accepts any provider text of 1..MaxProviderURLLen bytes; the catalog records
	// what the chain says, and nodes refuse to fetch from one that fails ValidateProviderURL.
	if l.Provider == "" || len(l.Provider) > MaxProviderURLLen {
		return Errorf(EINVALID, "Listing provider must be 1 to %d bytes (%d given).", MaxProviderURLLen, len(l.Provider))
	}
	switch l.CardStatus {
	case CardVerified:
		if l.Card == nil {
			return Errorf(EINVALID, "Listing card required when its status is %q.", l.CardStatus)
		}
		if err := l.Card.Validate(); err != nil {
			return err
		}
	case CardPending, CardMismatch:
		if l.Card != nil {
			return Errorf(EINVALID, "Listing card must be empty when its status is %q.", l.CardStatus)
		}
	default:
		return Errorf(EINVALID, "Listing card status %q unknown.", l.CardStatus)
	}
	return nil
}

// Title returns the card's title, or a placeholder naming the listing when there is no card.
func (l *Listing) Title() string {
	if l.Card != nil {
		return l.Card.Title
	}
	return fmt.Sprintf("Listing #%d (no verified dataset card)", l.ID)
}

// DatasetCard is the off-chain, human-readable description of a listed dataset. The publisher
// writes it once, before listing: its hash (Hash) goes on chain as the listing's metadataHash, so
// any node that fetches the card can check it is the one listed. A card is never edited; a new
// card means a new listing.
type DatasetCard struct {
	// Version is the card format's version; CardVersion for cards written by this code.
	Version int `json:"version"`
	// Title is a one-line name for the dataset (required, at most 200 characters).
	Title string `json:"title"`
	// Description says what the data is, where it comes from and how it was anonymized.
	Description string `json:"description"`
	// Tags are short keywords for search ("diabetes", "synthea").
	Tags []string `json:"tags"`
	// Publisher names who publishes (a patient, clinic or patient group); a catalog filter.
	Publisher string `json:"publisher"`
	// Columns is the schema of the published table.
	Columns []CardColumn `json:"columns"`
	// Rows is the number of data rows published.
	Rows uint64 `json:"rows"`
	// DataTypes says which kinds of health records the dataset holds (see DataTypes).
	DataTypes []string `json:"data_types"`
	// Format is the file format a buyer downloads: "csv" or "parquet".
	Format string `json:"format"`
	// TermsDetail holds the human-readable part of the DUO terms, keyed by code shorthand: the
	// disease for DS, the region for GS, the approval needed for IRB...
	TermsDetail map[string]string `json:"terms_detail,omitempty"`
	// Report is the anonymization report summary (risk figures, per-column treatment), kept as
	// opaque JSON: the anonymize package owns its format.
	Report json.RawMessage `json:"report,omitempty"`
	// Signature is the seller's EIP-191 signature of CardSignatureMessage: the card (without this
	// field), bound to the chain, the contract and the listing's content hash. Indexing nodes
	// check it recovers to the listing's seller on chain, so a listing that copies another
	// seller's content hash and card is not shown (see catalog). Set by the publisher after
	// encrypting (the content hash is known then); part of the encoding the metadata hash covers.
	Signature hexutil.Bytes `json:"signature,omitempty"`
}

// CardSignatureMessage returns the text a seller signs (EIP-191 personal message) to vouch for
// a card: readable, so a wallet shows what it signs. unsignedCard is DatasetCard.UnsignedHash.
func CardSignatureMessage(chainID uint64, contract common.Address, content, unsignedCard common.Hash) []byte {
	return fmt.Appendf(nil, "medmarket dataset card\nchain: %d\ncontract: %s\ncontent: %s\ncard: %s\n",
		chainID, contract.Hex(), content.Hex(), unsignedCard.Hex())
}

// UnsignedHash returns the hash of the card's canonical encoding without its signature: what the
// seller signs.
func (c *DatasetCard) UnsignedHash() (common.Hash, error) {
	cc := *c
	cc.Signature = nil
	return cc.Hash()
}

// CardVersion is the version of the card format this code writes.
const CardVersion = 1

// CardColumn describes one column of the published table.
type CardColumn struct {
	// Name is the column header.
	Name string `json:"name"`
	// Type is one of ColumnTypes ("string", "integer", "date"...), as the anonymize engine names them.
	Type string `json:"type"`
	// Role is one of ColumnRoles ("quasi-identifier", "sensitive"...), as the anonymize engine names them.
	Role string `json:"role"`
}

// ColumnTypes are the column types a card may name, the anonymize engine's type names.
var ColumnTypes = []string{"string", "integer", "decimal", "date", "datetime", "boolean"}

// ColumnRoles are the column roles a card may name, the anonymize engine's role names.
var ColumnRoles = []string{"insensitive", "direct-identifier", "quasi-identifier", "sensitive"}

// DataTypes are the kinds of health records a card may declare, after the FHIR R4 resources
// Synthea and EHR exports hold, plus "other". The catalog filters on them; the list is
// append-only (the catalog index stores each as a bit, by position).
var DataTypes = []string{
	"patients", "encounters", "observations", "conditions", "medications", "procedures",
	"immunizations", "allergies", "careplans", "imaging", "devices", "claims", "genomics",
	"questionnaires", "other",
}

// CardFormats are the file formats a buyer may receive.
var CardFormats = []string{"csv", "parquet"}

// Limits on a card, so that a hostile card cannot bloat every node's catalog.
const (
	MaxCardBytes      = 1 << 20
	maxTitleLen       = 200
	maxDescriptionLen = 20000
	maxTags           = 32
	maxTagLen         = 64
	maxColumns        = 1000
	maxColumnNameLen  = 128
	maxPublisherLen   = 200
	maxURLLen         = 2000
	maxTermsDetailLen = 1000
)

// ErrCardTooLarge is wrapped by the error of a card source that was sent a card of more than
// MaxCardBytes: the card is refused for good, not fetched again.
var ErrCardTooLarge = errors.New("dataset card larger than MaxCardBytes")

// MaxCardReportBytes bounds the anonymization report a card carries (its
// JSON): publishing refuses a larger one, naming both sizes, and a card with
// one is invalid everywhere (DatasetCard.Validate).
const MaxCardReportBytes = 512 << 10

// Validate reports whether the card is complete and within limits, as an EINVALID error naming the
// first bad field.
func (c *DatasetCard) Validate() error {
	if c == nil {
		return Errorf(EINVALID, "Dataset card required.")
	}
	if c.Version != CardVersion {
		return Errorf(EINVALID, "Card version %d unsupported (want %d).", c.Version, CardVersion)
	}
	if err := checkText("title", c.Title, maxTitleLen, true); err != nil {
		return err
	}
	if err := checkText("description", c.Description, maxDescriptionLen, false); err != nil {
		return err
	}
	if len(c.Tags) > maxTags {
		return Errorf(EINVALID, "Card tags: %d given, at most %d allowed.", len(c.Tags), maxTags)
	}
	for i, t := range c.Tags {
		if err := checkText(fmt.Sprintf("tags[%d]", i), t, maxTagLen, true); err != nil {
			return err
		}
	}
	if err := checkText("publisher", c.Publisher, maxPublisherLen, false); err != nil {
		return err
	}
	if len(c.Columns) == 0 {
		return Errorf(EINVALID, "Card columns required: describe the schema.")
	}
	if len(c.Columns) > maxColumns {
		return Errorf(EINVALID, "Card columns: %d given, at most %d allowed.", len(c.Columns), maxColumns)
	}
	for i, col := range c.Columns {
		if err := checkText(fmt.Sprintf("columns[%d].name", i), col.Name, maxColumnNameLen, true); err != nil {
			return err
		}
		if !slices.Contains(ColumnTypes, col.Type) {
			return Errorf(EINVALID, "Card columns[%d].type %q unknown (want one of %s).", i, col.Type, strings.Join(ColumnTypes, ", "))
		}
		if !slices.Contains(ColumnRoles, col.Role) {
			return Errorf(EINVALID, "Card columns[%d].role %q unknown (want one of %s).", i, col.Role, strings.Join(ColumnRoles, ", "))
		}
	}
	if c.Rows == 0 {
		return Errorf(EINVALID, "Card rows must be at least 1.")
	}
	for i, dt := range c.DataTypes {
		if !slices.Contains(DataTypes, dt) {
			return Errorf(EINVALID, "Card data_types[%d] %q unknown (want one of %s).", i, dt, strings.Join(DataTypes, ", "))
		}
	}
	if !slices.Contains(CardFormats, c.Format) {
		return Errorf(EINVALID, "Card format %q unknown (want one of %s).", c.Format, strings.Join(CardFormats, ", "))
	}
	for code, text := range c.TermsDetail {
		if d, err := ParseDUO(code); err != nil || d.Short() != code {
			return Errorf(EINVALID, "Card terms_detail key %q is not a DUO code shorthand such as DS or GS.", code)
		}
		if err := checkText("terms_detail."+code, text, maxTermsDetailLen, true); err != nil {
			return err
		}
	}
	if len(c.Signature) != 0 && len(c.Signature) != 65 {
		return Errorf(EINVALID, "Card signature has %d bytes, want 65.", len(c.Signature))
	}
	if len(c.Report) > 0 {
		if len(c.Report) > MaxCardReportBytes {
			return Errorf(EINVALID, "Card report is %d bytes, more than the %d bytes allowed.", len(c.Report), MaxCardReportBytes)
		}
		if !json.Valid(c.Report) || bytes.TrimSpace(c.Report)[0] != '{' {
			return Errorf(EINVALID, "Card report must be a JSON object.")
		}
	}
	return nil
}

func checkText(field, s string, maxLen int, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return Errorf(EINVALID, "Card %s required.", field)
	case len(s) > maxLen:
		return Errorf(EINVALID, "Card %s longer than %d bytes.", field, maxLen)
	case !utf8.ValidString(s):
		return Errorf(EINVALID, "Card %s is not valid UTF-8.", field)
	}
	return nil
}

// Encode returns the card's canonical encoding, the bytes whose hash goes on chain: the JSON of
// the struct with fields in declaration order, no insignificant white space (the report compacted),
// map keys sorted, and no HTML escaping. Publishers serve exactly these bytes.
func (c *DatasetCard) Encode() ([]byte, error) {
	cc := *c
	if len(c.Report) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, c.Report); err != nil {
			return nil, Wrap(EINVALID, err, "Card report is not valid JSON")
		}
		cc.Report = buf.Bytes()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&cc); err != nil {
		return nil, Wrap(EINVALID, err, "Cannot encode the dataset card")
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Hash returns the card's metadata hash: SHA-256 of its canonical encoding (Encode). SHA-256, like
// the content hash, so anyone can check a card with standard tools (sha256sum card.json).
func (c *DatasetCard) Hash() (common.Hash, error) {
	b, err := c.Encode()
	if err != nil {
		return common.Hash{}, err
	}
	return CardHash(b), nil
}

// CardHash returns the metadata hash of a card's bytes as served.
func CardHash(encoded []byte) common.Hash { return sha256.Sum256(encoded) }

// DecodeCard checks that the card bytes hash to metadataHash, decodes them and validates the card.
// A mismatch or an invalid card is an EINVALID error: the card is not the one listed.
func DecodeCard(encoded []byte, metadataHash common.Hash) (*DatasetCard, error) {
	if len(encoded) > MaxCardBytes {
		return nil, Errorf(EINVALID, "Dataset card larger than %d bytes.", MaxCardBytes)
	}
	if got := CardHash(encoded); got != metadataHash {
		return nil, Errorf(EINVALID, "Dataset card hash %s does not match the listing's metadata hash %s.", got.Hex(), metadataHash.Hex())
	}
	var c DatasetCard
	dec := json.NewDecoder(bytes.NewReader(encoded))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, Wrap(EINVALID, err, "Dataset card is not valid card JSON")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Catalog sort orders.
const (
	SortRelevance = "relevance" // best text match first; the default when there is query text
	SortNewest    = "newest"    // most recently listed first; the default without query text
	SortPriceAsc  = "price_asc" // cheapest first
	SortPriceDesc = "price_desc"
	SortSales     = "sales" // most sold first
)

// CatalogSorts lists the valid sort orders.
var CatalogSorts = []string{SortRelevance, SortNewest, SortPriceAsc, SortPriceDesc, SortSales}

// Page sizes of catalog searches.
const (
	DefaultCatalogLimit = 20
	MaxCatalogLimit     = 100
	maxQueryLen         = 500
)

// CatalogFilter selects and orders catalog listings. The zero value finds every active listing
// with a verified card, newest first, first page.
type CatalogFilter struct {
	// Query is free text matched against title, description, tags and column names: every word
	// must match, the last one as a prefix (so results follow typing).
	Query string `json:"query,omitempty"`
	// Terms lists DUO codes a listing must all carry (e.g. HMB|IRB).
	Terms DUO `json:"terms,omitempty"`
	// PriceMin and PriceMax bound the price in wei, inclusive; nil means unbounded.
	PriceMin *big.Int `json:"-"`
	PriceMax *big.Int `json:"-"`
	// RowsMin is the least number of rows a dataset must have.
	RowsMin uint64 `json:"rows_min,omitempty"`
	// DataTypes lists record kinds (see DataTypes) a dataset must all hold.
	DataTypes []string `json:"data_types,omitempty"`
	// Publisher, when set, keeps listings whose card names this publisher (case-insensitive).
	Publisher string `json:"publisher,omitempty"`
	// Seller, when set, keeps listings by this account.
	Seller *common.Address `json:"seller,omitempty"`
	// IncludeDelisted also returns delisted listings (for "My datasets" and licence holders).
	IncludeDelisted bool `json:"include_delisted,omitempty"`
	// Sort is one of CatalogSorts; "" means relevance with query text and newest without.
	Sort string `json:"sort,omitempty"`
	// Offset skips that many results; Limit caps the page (0 means DefaultCatalogLimit, at most
	// MaxCatalogLimit).
	Offset int `json:"offset,omitempty"`
	Limit  int `json:"limit,omitempty"`
}

// Normalize validates the filter and returns it with defaults filled in (sort, limit), or an
// EINVALID error naming the bad field.
func (f CatalogFilter) Normalize() (CatalogFilter, error) {
	if err := f.Validate(); err != nil {
		return f, err
	}
	if f.Limit == 0 {
		f.Limit = DefaultCatalogLimit
	}
	if f.Sort == "" {
		f.Sort = SortNewest
		if strings.TrimSpace(f.Query) != "" {
			f.Sort = SortRelevance
		}
	}
	return f, nil
}

// Validate reports whether the filter is usable, as an EINVALID error naming the bad field.
func (f *CatalogFilter) Validate() error {
	if len(f.Query) > maxQueryLen {
		return Errorf(EINVALID, "Search query longer than %d bytes.", maxQueryLen)
	}
	if !utf8.ValidString(f.Query) {
		return Errorf(EINVALID, "Search query is not valid UTF-8.")
	}
	if f.Terms&^(duoEnd-1) != 0 {
		return Errorf(EINVALID, "Filter terms use unknown DUO bits %#x.", uint64(f.Terms&^(duoEnd-1)))
	}
	if f.PriceMin != nil && f.PriceMin.Sign() < 0 {
		return Errorf(EINVALID, "Filter price_min must not be negative.")
	}
	if f.PriceMax != nil && f.PriceMax.Sign() < 0 {
		return Errorf(EINVALID, "Filter price_max must not be negative.")
	}
	if f.PriceMin != nil && f.PriceMin.Cmp(maxUint256) > 0 {
		return Errorf(EINVALID, "Filter price_min above 2^256-1 wei.")
	}
	if f.PriceMax != nil && f.PriceMax.Cmp(maxUint256) > 0 {
		return Errorf(EINVALID, "Filter price_max above 2^256-1 wei.")
	}
	if f.PriceMin != nil && f.PriceMax != nil && f.PriceMin.Cmp(f.PriceMax) > 0 {
		return Errorf(EINVALID, "Filter price_min %s is above price_max %s.", f.PriceMin, f.PriceMax)
	}
	for i, dt := range f.DataTypes {
		if !slices.Contains(DataTypes, dt) {
			return Errorf(EINVALID, "Filter data_types[%d] %q unknown (want one of %s).", i, dt, strings.Join(DataTypes, ", "))
		}
	}
	if len(f.Publisher) > maxPublisherLen {
		return Errorf(EINVALID, "Filter publisher longer than %d bytes.", maxPublisherLen)
	}
	if f.Sort != "" && !slices.Contains(CatalogSorts, f.Sort) {
		return Errorf(EINVALID, "Filter sort %q unknown (want one of %s).", f.Sort, strings.Join(CatalogSorts, ", "))
	}
	if f.Sort == SortRelevance && strings.TrimSpace(f.Query) == "" {
		return Errorf(EINVALID, "Filter sort %q needs query text.", f.Sort)
	}
	if f.Offset < 0 {
		return Errorf(EINVALID, "Filter offset %d must not be negative.", f.Offset)
	}
	if f.Limit < 0 {
		return Errorf(EINVALID, "Filter limit %d must not be negative.", f.Limit)
	}
	if f.Limit > MaxCatalogLimit {
		return Errorf(EINVALID, "Filter limit %d above the maximum %d.", f.Limit, MaxCatalogLimit)
	}
	return nil
}

// ListingEventKind is which DataLicenseMarket event a ListingEvent is.
type ListingEventKind uint8

// The catalog's event kinds. Seat and withdrawal events do not change the catalog.
const (
	EventListed       ListingEventKind = iota + 1 // Listed: a new listing
	EventDelisted                                 // Delisted: sales stop
	EventPriceChanged                             // PriceChanged: a new price
	EventPurchased                                // LicencePurchased: one more sale
)

func (k ListingEventKind) String() string {
	switch k {
	case EventListed:
		return "Listed"
	case EventDelisted:
		return "Delisted"
	case EventPriceChanged:
		return "PriceChanged"
	case EventPurchased:
		return "LicencePurchased"
	}
	return fmt.Sprintf("ListingEventKind(%d)", uint8(k))
}

// ListingEvent is one decoded contract event that changes the catalog, with its position on
// chain. Events apply in chain order, (Block, LogIndex).
type ListingEvent struct {
	Kind      ListingEventKind
	ListingID uint64
	Block     uint64
	LogIndex  uint
	TxHash    common.Hash
	// Listing is the new listing (EventListed only), with its card joined and CardStatus set.
	Listing *Listing
	// Copies (EventListed only) are listings of the same content hash by other sellers, listed
	// before this one but committed to after it: copies of it. The catalog flags those it shows
	// (CardMismatch), as it would have had it indexed them after this listing.
	Copies []uint64
	// Price is the new price (EventPriceChanged) or the price paid (EventPurchased).
	Price *big.Int
	// Buyer is the licence's buyer (EventPurchased only).
	Buyer common.Address
}

// CatalogService is the catalog: the listings of the chain's DataLicenseMarket, searchable. It is
// read-only to its users; the indexer alone writes it, from chain events. Implementations are safe
// for concurrent use.
type CatalogService interface {
	// SearchCatalog returns one page of the listings matching f, in f's order, and the number of
	// matches over all pages. Only listings with a verified card are returned, and only active
	// ones unless f.IncludeDelisted. An invalid filter is an EINVALID error naming the field
	// (negative limit, unknown sort...). Anyone may search.
	SearchCatalog(ctx context.Context, f CatalogFilter) ([]*Listing, int, error)

	// Listing returns the listing with the id, whatever its state (delisted, card pending or
	// mismatched), or ENOTFOUND if the catalog has not seen it.
	Listing(ctx context.Context, id uint64) (*Listing, error)
}

// MaxProviderURLLen is the longest provider URL the market contract accepts, in bytes.
const MaxProviderURLLen = 512

// ValidateProviderURL checks a provider URL for use: an absolute http(s) URL with a host, no user
// info, no query and no fragment (API paths are appended to it, so anything after the path would
// turn a request into another one), within the contract's length. Publishing refuses any other
// URL, and nodes never fetch from one (a listing on chain may carry any text: see
// Listing.Validate). Whether the host is public is CheckProviderHost's question.
func ValidateProviderURL(s string) error {
	if s == "" {
		return Errorf(EINVALID, "Provider URL required: buyers fetch the data from there.")
	}
	if len(s) > MaxProviderURLLen {
		return Errorf(EINVALID, "Provider URL longer than %d bytes.", MaxProviderURLLen)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		return Errorf(EINVALID, "Provider URL %q is not an absolute http(s) URL.", s)
	case u.User != nil:
		return Errorf(EINVALID, "Provider URL %q carries user info: a provider URL names a host and a path only.", s)
	case u.RawQuery != "" || u.ForceQuery:
		return Errorf(EINVALID, "Provider URL %q carries a query string: a provider URL names a host and a path only.", s)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return Errorf(EINVALID, "Provider URL %q carries a fragment: a provider URL names a host and a path only.", s)
	}
	return nil
}

// nonPublic are the IP ranges that are not public unicast besides those netip classifies
// (loopback, private, link-local, multicast, unspecified): "this network", shared address space
// (carrier-grade NAT), IETF protocol assignments, documentation, benchmarking, reserved, and
// their IPv6 counterparts (NAT64 and 6to4 embed IPv4 addresses; discard-only; documentation).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
}

// PublicAddr reports whether ip is a public unicast address, one a provider on a public network
// may have: not loopback, private (RFC 1918, fc00::/7), link-local, multicast, unspecified,
// carrier-grade NAT, documentation, benchmarking or reserved. IPv4-mapped IPv6 addresses are
// judged as the IPv4 address they carry.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckProviderHost checks, at listing time, that a provider URL (valid for ValidateProviderURL)
// names a host other nodes may be asked to contact: unless allowPrivate (a node configured for a
// local network), every address the host resolves to must be public (PublicAddr). EINVALID names
// the host and the address; EUNAVAILABLE when the name does not resolve. Nodes check again at
// dial time (provider.Client), so a name that later resolves elsewhere gains nothing.
func CheckProviderHost(ctx context.Context, raw string, allowPrivate bool) error {
	if err := ValidateProviderURL(raw); err != nil {
		return err
	}
	if allowPrivate {
		return nil
	}
	u, _ := url.Parse(raw)
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		if addrs, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host); err != nil {
			return Wrap(EUNAVAILABLE, err, "Provider URL %q: its host %s does not resolve", raw, host)
		}
	}
	for _, ip := range addrs {
		if !PublicAddr(ip) {
			return Errorf(EINVALID, "Provider URL %q: its host %s is at %s, a loopback, private or reserved address other nodes are not allowed to contact (this node is not configured for a local network).", raw, host, ip.Unmap())
		}
	}
	return nil
}
