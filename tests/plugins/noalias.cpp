// SPDX-License-Identifier: MIT
// A shared library that is not a peal plugin: it exports no factory.
extern "C" __attribute__((visibility("default"))) int peal_test_not_a_plugin()
{
    return 42;
}
