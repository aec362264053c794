package contracts

import (
	"crypto/rand"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Commitment is what a seller commits before listing contentHash with salt
// (DataLicenseMarket.commit): keccak256(abi.encode(seller, contentHash, salt)), the hash the
// contract's list recomputes from its sender. It reveals nothing about contentHash while salt
// is secret.
func Commitment(seller common.Address, contentHash, salt common.Hash) common.Hash {
	var enc [96]byte
	copy(enc[12:32], seller[:])
	copy(enc[32:64], contentHash[:])
	copy(enc[64:96], salt[:])
	return crypto.Keccak256Hash(enc[:])
}

// NewSalt returns a random salt for a commitment: 32 bytes from crypto/rand, so nobody can
// test candidate content hashes against a commitment.
func NewSalt() common.Hash {
	var s common.Hash
	_, _ = rand.Read(s[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return s
}
