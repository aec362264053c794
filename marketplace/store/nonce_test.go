package store

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

func TestUseNonce_refusesReplayAndExpired(t *testing.T) {
	s := openTempStore(t)
	ctx := context.Background()
	now := time.Now()
	a, b := common.HexToAddress("0x01"), common.HexToAddress("0x02")
	if err := s.UseNonce(ctx, a, "n1", now.Add(time.Minute), now); err != nil {
		t.Fatal(err)
	}
	if err := s.UseNonce(ctx, a, "n1", now.Add(time.Minute), now); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Fatalf("replay: %v", err)
	}
	if err := s.UseNonce(ctx, b, "n1", now.Add(time.Minute), now); err != nil {
		t.Fatalf("same nonce, other signer: %v", err)
	}
	if err := s.UseNonce(ctx, a, "n2", now.Add(-time.Second), now); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Fatalf("expired: %v", err)
	}
}

func TestDatasetKeyAndPublishRecords(t *testing.T) {
	s := openTempStore(t)
	ctx := context.Background()
	h := common.HexToHash("0xaa")
	if _, err := s.DatasetKey(ctx, h); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("missing key: %v", err)
	}
	if err := s.PutDatasetKey(ctx, DatasetKeyRecord{ContentHash: h, Wrapped: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	card := []byte(`{"x":1}`)
	p := Publish{ContentHash: h, MetadataHash: marketplace.CardHash(card), State: PublishPending, Created: time.Now()}
	if err := s.PutPublish(ctx, p, card); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Card(ctx, p.MetadataHash); err != nil || string(got) != string(card) {
		t.Fatalf("card: %q, %v", got, err)
	}
	ps, err := s.Publishes(ctx)
	if err != nil || len(ps) != 1 || ps[0].State != PublishPending {
		t.Fatalf("publishes: %+v, %v", ps, err)
	}
	if err := s.DeletePublish(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DatasetKey(ctx, h); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("key after delete: %v", err)
	}
}
