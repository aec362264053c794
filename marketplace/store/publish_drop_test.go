package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// TestDropPublish_recordsGoTogetherWithATrace: dropping a publish deletes
// its record, wrapped key and card in one transaction and leaves a Drop
// naming the blob to remove; a card another publish lists stays; a refusal
// by check deletes nothing.
func TestDropPublish_recordsGoTogetherWithATrace(t *testing.T) {
	s := openTempStore(t)
	ctx := context.Background()
	now := time.Now()
	a, b, c := common.HexToHash("0xa"), common.HexToHash("0xb"), common.HexToHash("0xc")
	cardA, cardShared := []byte(`{"title":"a"}`), []byte(`{"title":"shared"}`)
	mdA, mdShared := marketplace.CardHash(cardA), marketplace.CardHash(cardShared)
	for _, p := range []struct {
		content common.Hash
		card    []byte
	}{{a, cardA}, {b, cardShared}, {c, cardShared}} {
		if err := s.PutDatasetKey(ctx, DatasetKeyRecord{ContentHash: p.content, Wrapped: []byte("w")}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutPublish(ctx, Publish{ContentHash: p.content, MetadataHash: marketplace.CardHash(p.card), State: PublishPending, HubUpload: true}, p.card); err != nil {
			t.Fatal(err)
		}
	}

	refused := errors.New("listed meanwhile")
	if _, err := s.DropPublish(ctx, a, now, func(Publish) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("refused drop: %v", err)
	}
	if held, _ := s.Holds(ctx, a); !held {
		t.Fatal("a refused drop deleted the records")
	}
	if ds, _ := s.Drops(ctx); len(ds) != 0 {
		t.Fatalf("a refused drop left traces %v", ds)
	}

	p, err := s.DropPublish(ctx, a, now, nil)
	if err != nil || !p.HubUpload {
		t.Fatalf("drop: %+v, %v", p, err)
	}
	if held, err := s.Holds(ctx, a); held || err != nil {
		t.Fatalf("records of a dropped publish remain (%v)", err)
	}
	if _, err := s.Card(ctx, mdA); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("card of a dropped publish: %v", err)
	}
	if _, err := s.DropPublish(ctx, b, now, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Card(ctx, mdShared); err != nil {
		t.Fatalf("the card publish c still lists was deleted: %v", err)
	}
	ds, err := s.Drops(ctx)
	if err != nil || len(ds) != 2 || ds[0].ContentHash != a || ds[1].ContentHash != b {
		t.Fatalf("drops %+v, %v; want a and b", ds, err)
	}
	if err := s.ClearDrop(ctx, a); err != nil {
		t.Fatal(err)
	}
	if ds, _ := s.Drops(ctx); len(ds) != 1 {
		t.Fatalf("drops after clearing a: %+v", ds)
	}
	if _, err := s.DropPublish(ctx, a, now, nil); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("dropping again: %v", err)
	}
}
