package store

import (
	"hash/fnv"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// A listing's summary is the value of its cat:s:<id> key: every on-chain field of the listing at
// fixed offsets, big-endian, so that buntdb's indexes compare byte ranges and filters read
// integers without decoding anything. Searching 100,000 listings touches only summaries and
// postings; the card's JSON is read for the page shown. Events rewrite only this value.
const (
	sActive   = 0   // 1 byte: 1 while active
	sCard     = 1   // 1 byte: card status (cardVerified, cardPending, cardMismatch)
	sPos      = 2   // 12 bytes: block (8) and log index (4) of the Listed event: "newest"
	sPricePos = 14  // 12 bytes: position of the event that set the price
	sPrice    = 26  // 32 bytes: price in wei, uint256
	sSales    = 58  // 8 bytes: sales count
	sDUO      = 66  // 8 bytes: DUO code bits
	sRows     = 74  // 8 bytes: rows in the dataset
	sTypes    = 82  // 4 bytes: data type bits, by position in marketplace.DataTypes()
	sSeller   = 86  // 20 bytes: seller address
	sPub      = 106 // 8 bytes: FNV-64a of the lower-cased publisher, 0 if none
	sID       = 114 // 8 bytes: listing id
	sContent  = 122 // 32 bytes: content hash
	sMeta     = 154 // 32 bytes: metadata hash
	sTx       = 186 // 32 bytes: hash of the listing transaction
	sTime     = 218 // 8 bytes: block time of the Listed event, unix seconds
	sDuration = 226 // 4 bytes: licence duration in days
	sSeats    = 230 // 2 bytes: team seats
	sLen      = 232 // the fixed part; the provider URL follows, as it is
)

const (
	cardVerified byte = iota
	cardPending
	cardMismatch
)

func newSummary(l *marketplace.Listing) []byte {
	s := make([]byte, sLen)
	if l.Active {
		s[sActive] = 1
	}
	pos := eventPos(l.Block, l.LogIndex)
	copy(s[sPos:], pos[:])
	copy(s[sPricePos:], pos[:])
	putPrice(s, l.Price)
	putUint64(s[sSales:], l.Sales)
	putUint64(s[sDUO:], uint64(l.Terms.Use))
	copy(s[sSeller:], l.Seller[:])
	putUint64(s[sID:], l.ID)
	copy(s[sContent:], l.ContentHash[:])
	copy(s[sMeta:], l.MetadataHash[:])
	copy(s[sTx:], l.TxHash[:])
	putUint64(s[sTime:], uint64(l.ListedAt.Unix()))
	putUint32(s[sDuration:], l.Terms.DurationDays)
	s[sSeats], s[sSeats+1] = byte(l.Terms.Seats>>8), byte(l.Terms.Seats)
	setCardFields(s, l)
	return append(s, l.Provider...)
}

// summaryListing decodes a summary into a listing, without its card.
func summaryListing(s string) *marketplace.Listing {
	l := &marketplace.Listing{
		ID:           u64(s, sID),
		Seller:       common.BytesToAddress([]byte(s[sSeller : sSeller+20])),
		ContentHash:  common.BytesToHash([]byte(s[sContent : sContent+32])),
		Price:        new(big.Int).SetBytes([]byte(s[sPrice : sPrice+32])),
		MetadataHash: common.BytesToHash([]byte(s[sMeta : sMeta+32])),
		Provider:     s[sLen:],
		Block:        u64(s, sPos),
		LogIndex:     uint(u32(s, sPos+8)),
		TxHash:       common.BytesToHash([]byte(s[sTx : sTx+32])),
		ListedAt:     time.Unix(int64(u64(s, sTime)), 0).UTC(),
		Active:       s[sActive] == 1,
		Sales:        u64(s, sSales),
		Terms: marketplace.Terms{
			Use:          marketplace.DUO(u64(s, sDUO)),
			DurationDays: u32(s, sDuration),
			Seats:        uint16(s[sSeats])<<8 | uint16(s[sSeats+1]),
		},
	}
	switch s[sCard] {
	case cardVerified:
		l.CardStatus = marketplace.CardVerified
	case cardPending:
		l.CardStatus = marketplace.CardPending
	default:
		l.CardStatus = marketplace.CardMismatch
	}
	return l
}

// setCardFields writes the summary fields that come from the card.
func setCardFields(s []byte, l *marketplace.Listing) {
	switch l.CardStatus {
	case marketplace.CardVerified:
		s[sCard] = cardVerified
	case marketplace.CardPending:
		s[sCard] = cardPending
	default:
		s[sCard] = cardMismatch
	}
	var rows, pub uint64
	var types uint32
	if c := l.Card; c != nil {
		rows = c.Rows
		types = dataTypeBits(c.DataTypes)
		pub = publisherHash(c.Publisher)
	}
	putUint64(s[sRows:], rows)
	putUint32(s[sTypes:], types)
	putUint64(s[sPub:], pub)
}

func eventPos(block uint64, logIndex uint) [12]byte {
	var p [12]byte
	putUint64(p[:], block)
	putUint32(p[8:], uint32(logIndex))
	return p
}

func putPrice(s []byte, price *big.Int) {
	clear(s[sPrice : sPrice+32])
	if price != nil {
		price.FillBytes(s[sPrice : sPrice+32])
	}
}

// price32 returns a price as 32 big-endian bytes, comparable with the summary's price field.
func price32(p *big.Int) string {
	var b [32]byte
	p.FillBytes(b[:])
	return string(b[:])
}

func dataTypeBits(types []string) uint32 {
	var bits uint32
	all := marketplace.DataTypes()
	for _, t := range types {
		for i, known := range all {
			if t == known && i < 32 {
				bits |= 1 << i
			}
		}
	}
	return bits
}

func publisherHash(p string) uint64 {
	p = strings.ToLower(strings.TrimSpace(p))
	if p == "" {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(p))
	if v := h.Sum64(); v != 0 {
		return v
	}
	return 1
}

func putUint64(b []byte, v uint64) {
	_ = b[7]
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

func putUint32(b []byte, v uint32) {
	_ = b[3]
	for i := 3; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// u64 and u32 read big-endian integers from a summary string without allocating.
func u64(s string, off int) uint64 {
	_ = s[off+7]
	var v uint64
	for i := off; i < off+8; i++ {
		v = v<<8 | uint64(s[i])
	}
	return v
}

func u32(s string, off int) uint32 {
	_ = s[off+3]
	var v uint32
	for i := off; i < off+4; i++ {
		v = v<<8 | uint32(s[i])
	}
	return v
}
