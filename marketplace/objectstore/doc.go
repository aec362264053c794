// Package objectstore keeps a node's encrypted blobs in an S3-compatible
// object store (AWS S3, versitygw, Ceph RGW, Garage, ...), for hubs that
// outgrow a disk: `--blob-store s3://BUCKET[/PREFIX]?endpoint=...`.
//
// Blobs are content-addressed exactly as in the data directory
// (vault.Blobs): the object key of a blob is
//
//	[PREFIX/]<first two hex digits>/<64 hex digits of its SHA-256>
//
// so a blob copied between the folder and a bucket keeps its name, and any
// copy can be checked against the content hash a listing carries on chain.
// Objects are ciphertexts (age-encrypted datasets and contributions): the
// store never sees a key or a plaintext.
//
// A bucket prefix belongs to one node: its start-up cleanup removes blobs
// no record of its own names, and aborts unfinished uploads under it. The
// node claims the prefix (Claim: the object PREFIX/.medmarket-owner holds
// its address) and another node is refused.
//
// url.go reads the store's URL (ParseURL), store.go is the Store, errors.go
// maps the client's errors to marketplace codes. The s3test package starts
// a real versitygw for tests.
//
// objectstore imports marketplace and marketplace/vault (the Hash and the
// hash check blobs share) only; app composes it.
package objectstore
