#pragma once

namespace aotihub {

// Linux hands out AMX tile state only to a process that asks for it (arch_prctl
// ARCH_REQ_XCOMP_PERM for XTILEDATA). A CPU model whose generated GEMMs use AMX (inductor's CPP
// template, on a CPU with AMX) dies with SIGILL on its first tile instruction in a process that did
// not ask: seen under the standalone runtime, and under libtorch for a standalone package (libtorch
// asks only when its own kernels first need AMX). A CPU or kernel without AMX refuses; that is fine,
// no AMX model is chosen there (AOTI_CPU_ISA). Idempotent.
void RequestAmxPermission();

}  // namespace aotihub
