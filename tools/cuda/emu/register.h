// Registers a host-compiled kernel with the emulator: REG(name) after the
// .cu source is included.
#pragma once
#include <functional>
#include <utility>

void emu_register(const char* name, int nparams, std::function<void(void**)> call);

template <typename... A, size_t... I>
static void emu_call(void (*f)(A...), void** p, std::index_sequence<I...>) {
    f(*reinterpret_cast<A*>(p[I])...);
}

template <typename... A>
struct EmuReg {
    EmuReg(const char* name, void (*f)(A...)) {
        emu_register(name, sizeof...(A), [f](void** p) { emu_call(f, p, std::index_sequence_for<A...>{}); });
    }
};

#define REG(name) static EmuReg emu_reg_##name(#name, &name);
