// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// An OpenZeppelin ERC-1155; anyone may mint (test collection).
contract TestMulti is ERC1155 {
    constructor() ERC1155("https://example.invalid/{id}.json") {}

    function mintBatch(address to, uint256[] calldata ids, uint256[] calldata values) external {
        _mintBatch(to, ids, values, "");
    }
}
