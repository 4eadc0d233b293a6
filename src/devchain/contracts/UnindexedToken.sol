// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A pre-standard token for the dev chain whose Transfer event indexes nothing (the addresses are
/// in the data, like early tokens and CryptoPunks-era contracts): topic filters cannot find it.
contract UnindexedToken {
    event Transfer(address from, address to, uint256 value);

    string public constant symbol = "OLD";
    uint8 public constant decimals = 18;
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }
}
