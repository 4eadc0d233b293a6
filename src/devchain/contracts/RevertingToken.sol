// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A token without metadata: `symbol()`, `name()` and `decimals()` revert.
contract RevertingToken {
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

    function symbol() external pure returns (string memory) {
        revert("no symbol");
    }

    function name() external pure returns (string memory) {
        revert("no name");
    }

    function decimals() external pure returns (uint8) {
        revert("no decimals");
    }
}
