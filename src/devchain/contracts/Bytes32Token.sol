// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A pre-standard token whose `symbol()` and `name()` return `bytes32` (as MKR and SAI do).
contract Bytes32Token {
    bytes32 public constant symbol = "B32";
    bytes32 public constant name = "Bytes32 Token";
    uint8 public constant decimals = 9;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(uint256 supply) {
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
}
