// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title DataLicenseMarket: licences to anonymized health datasets, paid in ether.
///
/// @notice A seller lists a dataset by its content hash, a price and compact terms; a buyer pays the
/// exact price in one transaction and holds a licence until it expires; the seller pulls the money
/// with `withdraw()`. The contract only records who may use which dataset until when: the data itself
/// stays off chain, and the node holding a dataset's key releases it to `hasLicence` holders.
///
/// Catalog data (content hash, DUO codes, metadata hash) lives in the `Listed` event, not in storage:
/// indexers rebuild the catalog from events. Storage keeps only what the contract must enforce.
///
/// Terms (one uint256, see `list`):
///   bits   0..63  GA4GH DUO codes, one bit each, in this fixed order (append-only):
///                 0 GRU, 1 HMB, 2 DS, 3 POA, 4 NRES, 5 NCU, 6 NPU, 7 NPOA, 8 IRB, 9 PUB, 10 COL,
///                 11 US, 12 PS, 13 IS, 14 TS, 15 GS, 16 NMDS, 17 RTN, 18 MOR, 19 GSO, 20 CC, 21 RS
///   bits  64..95  licence duration in days (uint32); 0 = perpetual
///   bits  96..111 team seats (uint16): members the holder may add besides itself
///   bits 112..255 reserved, must be zero
/// The DUO codes are informational on chain (the contract cannot police use); which combinations make
/// sense is checked off chain (marketplace.Terms.Validate).
///
/// Commit-reveal: a seller first sends `commit(keccak256(abi.encode(seller, contentHash, salt)))`,
/// then, in a later block, `list(contentHash, salt, ...)`. The commitment hides the content hash
/// until the listing reveals it, and the `Listed` event carries the commit's block, so indexers rank
/// listings of one content hash by commit: whoever copies a content hash seen in a pending `list`
/// transaction can only commit after the original commit was mined, and ranks after it.
///
/// Renewal: buying a listing again renews the licence. If the licence is still valid the new period
/// is added to its current expiry (renewing early loses nothing); once expired, it starts at the
/// purchase. A perpetual licence cannot be bought twice (`AlreadyLicensed`). Seats survive renewal.
contract DataLicenseMarket {
    /// What `buy` needs, packed into two storage slots.
    struct Listing {
        address seller; // slot 0: 20 bytes; zero = no such listing
        uint32 durationDays; // 0 = perpetual
        uint16 seats;
        bool active; // false once delisted
        uint256 price; // slot 1: in wei
    }

    /// One licence per (listing, holder), one storage slot.
    struct Licence {
        uint64 expiresAt; // unix seconds; 0 = never bought; type(uint64).max = perpetual
        uint16 seats; // seats granted at purchase
        uint16 seatsUsed;
    }

    uint256 internal constant RESERVED_TERMS_MASK = ~uint256(0) << 112;
    /// Longest provider URL `list` accepts, in bytes.
    uint256 public constant MAX_PROVIDER_LENGTH = 512;
    uint64 internal constant PERPETUAL = type(uint64).max;

    /// The id the next listing gets. Starts at 1 so that 0 never names a listing (and so that the
    /// counter's slot is never zero, which keeps every `list` at the cheap non-zero-to-non-zero rate).
    uint256 public nextListingId = 1;

    mapping(uint256 id => Listing) internal listings;
    mapping(uint256 id => mapping(address holder => Licence)) internal licences;
    /// For each listing, the holder whose licence a seat member uses (zero = none).
    mapping(uint256 id => mapping(address member => address holder)) public seatHolder;
    /// Wei each seller may withdraw.
    mapping(address seller => uint256) public withdrawable;
    /// The block of each commitment's first `commit` (zero = never committed).
    mapping(bytes32 commitment => uint256 blockNumber) public commitBlock;

    event Listed(
        uint256 indexed id,
        address indexed seller,
        bytes32 indexed contentHash,
        uint256 price,
        uint256 terms,
        bytes32 metadataHash,
        string provider,
        uint256 commitBlock
    );
    event Committed(bytes32 indexed commitment);
    event Delisted(uint256 indexed id);
    event PriceChanged(uint256 indexed id, uint256 price);
    event LicencePurchased(
        uint256 indexed id, address indexed buyer, address indexed seller, uint256 price, uint64 expiresAt, uint16 seats
    );
    event SeatAdded(uint256 indexed id, address indexed holder, address indexed member);
    event SeatRemoved(uint256 indexed id, address indexed holder, address indexed member);
    event Withdrawn(address indexed seller, uint256 amount);

    error UnknownListing(uint256 id);
    error InvalidContentHash();
    /// The provider URL is empty or longer than MAX_PROVIDER_LENGTH bytes.
    error InvalidProvider();
    error InvalidTerms(uint256 terms);
    error NotSeller(uint256 id, address caller);
    error ListingInactive(uint256 id);
    error WrongPrice(uint256 want, uint256 got);
    error AlreadyLicensed(uint256 id, address holder);
    error NotHolder(uint256 id, address caller);
    error LicenceExpired(uint256 id, address holder, uint64 expiredAt);
    error InvalidMember(address member);
    error SeatTaken(uint256 id, address member, address holder);
    error NoSeatsLeft(uint256 id, uint16 seats);
    error NotSeatMember(uint256 id, address member);
    error NothingToWithdraw(address seller);
    error TransferFailed(address to, uint256 amount);
    /// `commit` of a commitment already committed (at `blockNumber`): the first commit stands.
    error AlreadyCommitted(bytes32 commitment, uint256 blockNumber);
    /// `list` without a prior `commit` of keccak256(abi.encode(seller, contentHash, salt)).
    error NotCommitted(address seller, bytes32 contentHash);
    /// `list` in the block of its commit (`blockNumber`): the commit must be mined first.
    error CommitNotMined(bytes32 contentHash, uint256 blockNumber);

    /// Records the current block as `commitment`'s, the first step of listing: `commitment` is
    /// keccak256(abi.encode(seller, contentHash, salt)), with a random secret salt, so it reveals
    /// nothing about the content hash. The first commit of a commitment stands (`AlreadyCommitted`),
    /// so nobody can move another seller's commit to a later block.
    function commit(bytes32 commitment) external {
        uint256 committedAt = commitBlock[commitment];
        if (committedAt != 0) revert AlreadyCommitted(commitment, committedAt);
        commitBlock[commitment] = block.number;
        emit Committed(commitment);
    }

    /// Lists a dataset for sale and returns its listing id. `contentHash` names the encrypted blob,
    /// `metadataHash` the dataset card (human-readable terms, schema, report), both kept off chain;
    /// `terms` as described above. `provider` is the URL of the node that serves the card, the blob
    /// and the buyers' keys: it is only emitted, so any node finds the dataset from events alone.
    /// The sender must have committed keccak256(abi.encode(sender, contentHash, salt)) in an
    /// earlier block (`NotCommitted`, `CommitNotMined`); the commit's block is in the event.
    function list(
        bytes32 contentHash,
        bytes32 salt,
        uint256 price,
        uint256 terms,
        bytes32 metadataHash,
        string calldata provider
    ) external returns (uint256 id) {
        if (contentHash == bytes32(0)) revert InvalidContentHash();
        uint256 committedAt = commitBlock[keccak256(abi.encode(msg.sender, contentHash, salt))];
        if (committedAt == 0) revert NotCommitted(msg.sender, contentHash);
        if (committedAt >= block.number) revert CommitNotMined(contentHash, committedAt);
        if (bytes(provider).length == 0 || bytes(provider).length > MAX_PROVIDER_LENGTH) revert InvalidProvider();
        if (terms & RESERVED_TERMS_MASK != 0) revert InvalidTerms(terms);
        id = nextListingId;
        unchecked {
            nextListingId = id + 1;
        }
        listings[id] = Listing({
            seller: msg.sender,
            durationDays: uint32(terms >> 64),
            seats: uint16(terms >> 96),
            active: true,
            price: price
        });
        emit Listed(id, msg.sender, contentHash, price, terms, metadataHash, provider, committedAt);
    }

    /// Stops new sales of a listing; licences already sold stay valid until they expire.
    /// Seller only. Delisting is final: list again to sell again.
    function delist(uint256 id) external {
        Listing storage l = listings[id];
        _onlyActiveSeller(l, id);
        l.active = false;
        emit Delisted(id);
    }

    /// Changes the price of future sales. Seller only, active listings only.
    function setPrice(uint256 id, uint256 price) external {
        Listing storage l = listings[id];
        _onlyActiveSeller(l, id);
        l.price = price;
        emit PriceChanged(id, price);
    }

    /// Buys (or renews) a licence to listing `id` for the sender; `msg.value` must be the exact price.
    /// The price is credited to the seller, who withdraws it with `withdraw()`.
    function buy(uint256 id) external payable {
        Listing storage l = listings[id];
        address seller = l.seller;
        if (seller == address(0)) revert UnknownListing(id);
        if (!l.active) revert ListingInactive(id);
        uint256 price = l.price;
        if (msg.value != price) revert WrongPrice(price, msg.value);

        Licence storage lic = licences[id][msg.sender];
        uint64 expiresAt;
        uint32 durationDays = l.durationDays;
        if (durationDays == 0) {
            if (lic.expiresAt == PERPETUAL) revert AlreadyLicensed(id, msg.sender);
            expiresAt = PERPETUAL;
        } else {
            uint64 from = lic.expiresAt;
            if (from < block.timestamp) from = uint64(block.timestamp);
            expiresAt = from + uint64(durationDays) * 1 days;
        }
        uint16 seats = l.seats;
        lic.expiresAt = expiresAt;
        lic.seats = seats;

        if (price != 0) {
            unchecked {
                // cannot overflow: the total of all balances is bounded by the ether supply
                withdrawable[seller] += price;
            }
        }
        emit LicencePurchased(id, msg.sender, seller, price, expiresAt, seats);
    }

    /// Gives `member` a seat on the sender's licence to listing `id`. The licence must be unexpired
    /// and have a free seat; a member holds at most one seat per listing.
    function addSeat(uint256 id, address member) external {
        Licence storage lic = _validLicenceOfSender(id);
        if (member == address(0) || member == msg.sender) revert InvalidMember(member);
        address current = seatHolder[id][member];
        if (current != address(0)) revert SeatTaken(id, member, current);
        uint16 used = lic.seatsUsed;
        if (used >= lic.seats) revert NoSeatsLeft(id, lic.seats);
        unchecked {
            lic.seatsUsed = used + 1;
        }
        seatHolder[id][member] = msg.sender;
        emit SeatAdded(id, msg.sender, member);
    }

    /// Takes `member`'s seat on the sender's licence to listing `id` away, freeing it. Allowed on an
    /// expired licence too, so a holder can reshuffle the team before renewing.
    function removeSeat(uint256 id, address member) external {
        Licence storage lic = licences[id][msg.sender];
        if (lic.expiresAt == 0) revert NotHolder(id, msg.sender);
        if (seatHolder[id][member] != msg.sender) revert NotSeatMember(id, member);
        delete seatHolder[id][member];
        unchecked {
            lic.seatsUsed -= 1; // at least one seat is used: `member`'s
        }
        emit SeatRemoved(id, msg.sender, member);
    }

    /// Pays the sender everything credited to it. Checks-effects-interactions: the balance is zeroed
    /// before the transfer, so a re-entrant call finds nothing left to withdraw.
    function withdraw() external {
        uint256 amount = withdrawable[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        withdrawable[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    /// Whether `who` may use listing `id`'s dataset now: the holder of an unexpired licence, or a
    /// member seated on one. True after delisting until the licence expires.
    function hasLicence(uint256 id, address who) external view returns (bool) {
        if (licences[id][who].expiresAt > block.timestamp) return true;
        address holder = seatHolder[id][who];
        return holder != address(0) && licences[id][holder].expiresAt > block.timestamp;
    }

    /// The stored part of listing `id` (the rest is in its `Listed` event). A zero seller means no
    /// such listing.
    function listing(uint256 id)
        external
        view
        returns (address seller, uint256 price, uint32 durationDays, uint16 seats, bool active)
    {
        Listing storage l = listings[id];
        return (l.seller, l.price, l.durationDays, l.seats, l.active);
    }

    /// `holder`'s licence to listing `id`: expiry (0 = never bought, 2^64-1 = perpetual), seats
    /// granted, seats in use.
    function licence(uint256 id, address holder)
        external
        view
        returns (uint64 expiresAt, uint16 seats, uint16 seatsUsed)
    {
        Licence storage lic = licences[id][holder];
        return (lic.expiresAt, lic.seats, lic.seatsUsed);
    }

    function _onlyActiveSeller(Listing storage l, uint256 id) private view {
        address seller = l.seller;
        if (seller == address(0)) revert UnknownListing(id);
        if (seller != msg.sender) revert NotSeller(id, msg.sender);
        if (!l.active) revert ListingInactive(id);
    }

    function _validLicenceOfSender(uint256 id) private view returns (Licence storage lic) {
        lic = licences[id][msg.sender];
        uint64 expiresAt = lic.expiresAt;
        if (expiresAt == 0) revert NotHolder(id, msg.sender);
        if (expiresAt <= block.timestamp) revert LicenceExpired(id, msg.sender, expiresAt);
    }
}
