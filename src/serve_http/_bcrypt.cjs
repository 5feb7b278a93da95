// bcryptjs through require(): that picks its CommonJS build, which loads
// node:crypto only when first evaluated. Its ES module build imports
// node:crypto statically, and in the compiled binary (one bundle) that import
// would run at every start, whatever the command: about 5 ms in Bun.
module.exports = require("bcryptjs");
