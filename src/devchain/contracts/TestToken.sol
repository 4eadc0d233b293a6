// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// An OpenZeppelin ERC-20 for the dev chain: the deployer gets `supply`; anyone may mint (test token).
contract TestToken is ERC20 {
    constructor(string memory name_, string memory symbol_, uint256 supply) ERC20(name_, symbol_) {
        _mint(msg.sender, supply);
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// `times` real transfers of `amount` from the caller to `to` in one transaction (benchmarks).
    function transferMany(address to, uint256 amount, uint256 times) external {
        for (uint256 i = 0; i < times; i++) _transfer(msg.sender, to, amount);
    }
}
