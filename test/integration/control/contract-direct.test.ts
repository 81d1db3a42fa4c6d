import { defineContractSuite, directApi } from '../../support/contract-suite';

// The contract against the core itself, through its untrusted entry point.
defineContractSuite('direct', async (core) => directApi(core));
