// dump_logits: feed token ids one at a time to a GGUF model through llama.cpp's
// public API (llama.h) and write the logits after each token as raw little-endian
// float32, one row of n_vocab values per token -- the layout `gosling logits --out`
// writes, so tools/llamacmp/compare_logits.py compares the two.
//
// Our own code; it contains nothing of llama.cpp and is built by the user against
// their llama.cpp build (see README.md here).
//
// usage: dump_logits MODEL TOKENS_FILE OUT [threads] [batch]
//   TOKENS_FILE: token ids separated by commas or white space.
//   batch 1 (default): one llama_decode per token, as gosling decodes;
//   batch > 1: the whole sequence in one llama_decode with logits at every position.
// Environment: NO_EXTRA_BUFTS=1 turns off llama.cpp's weight repacking (AMX on
// x86, interleaved blocks on arm64), so its plain CPU kernels run.
#include "llama.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <string>
#include <fstream>
#include <sstream>

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s MODEL TOKENS OUT [threads] [batch]\n", argv[0]); return 2; }
    int threads = argc > 4 ? atoi(argv[4]) : 1;
    bool batched = argc > 5 && atoi(argv[5]) > 1;
    std::ifstream tf(argv[2]);
    std::stringstream ss; ss << tf.rdbuf();
    std::string s = ss.str();
    for (auto &c : s) if (c == ',') c = ' ';
    std::istringstream is(s);
    std::vector<llama_token> toks; long v;
    while (is >> v) toks.push_back((llama_token)v);
    if (toks.empty()) { fprintf(stderr, "no tokens\n"); return 2; }

    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    if (getenv("NO_EXTRA_BUFTS")) mp.use_extra_bufts = false;  // no AMX/repacked weights
    llama_model *model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "load failed\n"); return 1; }
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = toks.size() + 8;
    cp.n_batch = toks.size() + 8;
    cp.n_ubatch = toks.size() + 8;
    cp.n_seq_max = 1;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "context failed\n"); return 1; }
    const llama_vocab *vocab = llama_model_get_vocab(model);
    int nv = llama_vocab_n_tokens(vocab);
    FILE *out = fopen(argv[3], "wb");
    if (!batched) {
        for (size_t i = 0; i < toks.size(); i++) {
            llama_batch b = llama_batch_get_one(&toks[i], 1);
            if (llama_decode(ctx, b) != 0) { fprintf(stderr, "decode failed at %zu\n", i); return 1; }
            float *l = llama_get_logits_ith(ctx, -1);
            fwrite(l, sizeof(float), nv, out);
        }
    } else {
        llama_batch b = llama_batch_init(toks.size(), 0, 1);
        for (size_t i = 0; i < toks.size(); i++) {
            b.token[i] = toks[i]; b.pos[i] = i; b.n_seq_id[i] = 1; b.seq_id[i][0] = 0; b.logits[i] = 1;
        }
        b.n_tokens = toks.size();
        if (llama_decode(ctx, b) != 0) { fprintf(stderr, "batch decode failed\n"); return 1; }
        for (size_t i = 0; i < toks.size(); i++) fwrite(llama_get_logits_ith(ctx, i), sizeof(float), nv, out);
        llama_batch_free(b);
    }
    fclose(out);
    fprintf(stderr, "wrote %zu x %d logits\n", toks.size(), nv);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
