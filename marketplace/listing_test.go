package marketplace

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

func validListing() *Listing {
	return &Listing{
		ID: 1, Seller: common.HexToAddress("0x1"), ContentHash: common.HexToHash("0xc0"),
		Price: big.NewInt(10), Terms: Terms{Use: HMB | NCU, DurationDays: 365, Seats: 2},
		Provider: "https://node.example.org/",
		Active:   true, Card: validCard(), CardStatus: CardVerified,
	}
}

func TestListing_ValidateNamesTheField(t *testing.T) {
	tests := []struct {
		name   string
		change func(l *Listing)
		field  string
	}{
		{"id", func(l *Listing) { l.ID = 0 }, "id"},
		{"seller", func(l *Listing) { l.Seller = common.Address{} }, "seller"},
		{"content hash", func(l *Listing) { l.ContentHash = common.Hash{} }, "content hash"},
		{"price", func(l *Listing) { l.Price = nil }, "price"},
		{"negative price", func(l *Listing) { l.Price = big.NewInt(-1) }, "price"},
		{"card status", func(l *Listing) { l.CardStatus = "maybe" }, "card status"},
		{"verified without card", func(l *Listing) { l.Card = nil }, "card"},
		{"pending with card", func(l *Listing) { l.CardStatus = CardPending }, "card"},
		{"bad card", func(l *Listing) { l.Card.Rows = 0 }, "rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := validListing()
			tt.change(l)
			err := l.Validate()
			if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Validate() = %v, want EINVALID naming %q", err, tt.field)
			}
		})
	}
	if err := validListing().Validate(); err != nil {
		t.Errorf("valid listing: %v", err)
	}
}

func TestListing_JSONCarriesPriceAsDecimalString(t *testing.T) {
	l := validListing()
	l.Price, _ = new(big.Int).SetString("123456789012345678901234567890", 10)
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"price_wei":"123456789012345678901234567890"`) {
		t.Errorf("price not a decimal string: %s", b)
	}
	var back Listing
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Price.Cmp(l.Price) != 0 || back.Terms != l.Terms || back.Card.Title != l.Card.Title {
		t.Errorf("round trip changed the listing: %+v", back)
	}
}
