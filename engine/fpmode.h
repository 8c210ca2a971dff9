/* engine/fpmode.h - the floating-point mode of every compute thread.
 *
 * Denormal numbers are flushed to zero (inputs and results), as TensorFlow
 * does on CPUs: Adam's first moment decays by 0.9 a step for weights of
 * rarely-lit pixels and would otherwise spend hundreds of steps in the
 * denormal range, where x86 arithmetic is ~100 times slower. The mode is set
 * in every thread that computes, so results stay independent of the thread
 * count. */
#ifndef MLPT_ENGINE_FPMODE_H
#define MLPT_ENGINE_FPMODE_H

#if defined(__SSE__)
#include <pmmintrin.h>
#include <xmmintrin.h>
static inline void mlpt_flush_denormals(void)
{
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
}
#else
static inline void mlpt_flush_denormals(void) {}
#endif

#endif
