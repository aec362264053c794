// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface ICollectMarket {
    function commit(bytes32 commitment) external;
    function list(
        bytes32 contentHash,
        bytes32 salt,
        uint256 price,
        uint256 terms,
        bytes32 metadataHash,
        string calldata provider
    ) external returns (uint256);
    function withdraw() external;
}

interface ICollectPool {
    function collect() external returns (uint256);
}

/// Test only: an account that, while being paid (by the market's withdraw as a seller, or by a
/// pool's claim as a contributor), makes the pool collect its sales, then tries to collect again.
/// It swallows the second call's revert so the outer payment succeeds, and records what happened.
contract ReentrantCollector {
    ICollectMarket public immutable market;
    ICollectPool public immutable pool;
    bool public armed; // receive() re-enters once while armed
    uint256 public received; // total wei received
    uint256 public collected; // what the re-entrant collect returned
    bool public secondCollectSucceeded;
    bytes public secondCollectError; // revert data of the second re-entrant collect

    constructor(ICollectMarket m, ICollectPool p) {
        market = m;
        pool = p;
    }

    function arm() external {
        armed = true;
    }

    function commit(bytes32 commitment) external {
        market.commit(commitment);
    }

    function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms) external returns (uint256) {
        return market.list(contentHash, salt, price, terms, bytes32(0), "http://127.0.0.1:8080/");
    }

    function withdraw() external {
        market.withdraw();
    }

    receive() external payable {
        received += msg.value;
        if (armed) {
            armed = false;
            collected = pool.collect();
            try pool.collect() {
                secondCollectSucceeded = true;
            } catch (bytes memory err) {
                secondCollectError = err;
            }
        }
    }
}
