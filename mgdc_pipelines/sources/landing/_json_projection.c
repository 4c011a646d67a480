/* Checks JSON lines against a dataset's schema and keeps only the top-level keys asked for.
 *
 * See json_projection.py, the module that uses it, for what this is for and why it is exact.
 * In short: Projector.project(block) reads a block of JSON lines, one object per line, and
 * returns (bytes, lines) with each line rewritten as an object holding only the projected
 * top-level keys, their values copied byte for byte; or None as soon as anything in the block
 * is not plainly valid for the schema: a grammar error, an unknown or repeated key at any depth,
 * a key with an escape, a value of another kind than its field's, an integer that may not fit,
 * an escaped surrogate, a control character in a string, NaN or Infinity, null where the
 * schema does not allow it, anything after a line's object. None is never an error: the caller
 * then reads the block the slow, exact way. Nothing here ever reports a value.
 *
 * Strings are skipped 16 bytes at a time with SSE2 where the compiler has it (every x86-64),
 * byte by byte elsewhere. The GIL is released while a block is read.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum kind {
    K_STRING = 0, K_BOOL = 1, K_INT32 = 2, K_INT64 = 3, K_DOUBLE = 4, K_STRUCT = 5, K_LIST = 6
};
#define MAX_FIELDS 64 /* a struct's fields are tracked in one 64-bit mask */
#define MAX_DEPTH 64

typedef struct {
    const char *key;
    Py_ssize_t key_length;
    int child;      /* node index */
    int nullable;
} field_t;

typedef struct {
    int kind;
    int item;           /* K_LIST: node index of its items */
    int item_nullable;  /* K_LIST */
    int field_count;    /* K_STRUCT */
    field_t *fields;    /* K_STRUCT */
} node_t;

typedef struct {
    PyObject_HEAD
    node_t *nodes;
    int node_count;
    int root;
    uint64_t projected; /* bit i: the root's field i is kept */
    PyObject *keys;     /* keeps the key bytes alive */
} Projector;

typedef struct {
    const char *p;
    const char *end;
    const Projector *projector;
} cursor_t;

/* ---- scanning ------------------------------------------------------------------------------ */

static inline void skip_space(cursor_t *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r')) c->p++;
}

static inline int hex_value(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* After the opening quote: move past the closing one. 0 if the string is not plain JSON
 * (control character, bad escape, an escaped surrogate) or ends with the line. */
static int skip_string(cursor_t *c, int *escaped) {
    const char *p = c->p, *end = c->end;
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
        const __m128i below_space = _mm_set1_epi8(0x1f);
        while (end - p >= 16) {
            __m128i chunk = _mm_loadu_si128((const __m128i *)p);
            __m128i hits = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)),
                _mm_cmpeq_epi8(_mm_max_epu8(chunk, below_space), below_space));
            int mask = _mm_movemask_epi8(hits);
            if (mask) {
                p += __builtin_ctz((unsigned)mask);
                break;
            }
            p += 16;
        }
#endif
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
        if (p >= end || (unsigned char)*p < 0x20) return 0;
        if (*p == '"') {
            c->p = p + 1;
            return 1;
        }
        *escaped = 1; /* a backslash */
        if (end - p < 2) return 0;
        switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            p += 2;
            break;
        case 'u': {
            if (end - p < 6) return 0;
            int code = 0;
            for (int i = 2; i < 6; i++) {
                int digit = hex_value(p[i]);
                if (digit < 0) return 0;
                code = code * 16 + digit;
            }
            if (code >= 0xD800 && code <= 0xDFFF) return 0; /* surrogates: the exact path */
            p += 6;
            break;
        }
        default:
            return 0;
        }
    }
}

static inline int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* A JSON number; for an integer kind, one without fraction or exponent and few enough digits
 * to fit (9 for int32, 18 for int64). */
static int skip_number(cursor_t *c, int kind) {
    const char *p = c->p, *end = c->end;
    if (p < end && *p == '-') p++;
    const char *digits = p;
    if (p >= end || !is_digit(*p)) return 0;
    if (*p == '0') {
        p++;
    } else {
        while (p < end && is_digit(*p)) p++;
    }
    Py_ssize_t integer_digits = p - digits;
    int fraction_or_exponent = 0;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p)) return 0;
        while (p < end && is_digit(*p)) p++;
        fraction_or_exponent = 1;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || !is_digit(*p)) return 0;
        while (p < end && is_digit(*p)) p++;
        fraction_or_exponent = 1;
    }
    if (kind == K_INT32 && (fraction_or_exponent || integer_digits > 9)) return 0;
    if (kind == K_INT64 && (fraction_or_exponent || integer_digits > 18)) return 0;
    c->p = p;
    return 1;
}

static inline int skip_word(cursor_t *c, const char *word, Py_ssize_t length) {
    if (c->end - c->p < length || memcmp(c->p, word, length) != 0) return 0;
    c->p += length;
    return 1;
}

static int skip_value(cursor_t *c, int node_index, int nullable, int depth);

/* After a member or an item: 1 past a comma, 2 past ``close``, 0 at anything else. */
static inline int next_member(cursor_t *c, char close) {
    skip_space(c);
    if (c->p >= c->end) return 0;
    if (*c->p == close) {
        c->p++;
        return 2;
    }
    if (*c->p != ',') return 0;
    c->p++;
    skip_space(c);
    return 1;
}

/* The field of ``node`` the key names (a hint first: keys mostly come in schema order). */
static int find_field(const node_t *node, const char *key, Py_ssize_t length, int hint) {
    if (hint < node->field_count) {
        const field_t *f = &node->fields[hint];
        if (f->key_length == length && memcmp(f->key, key, length) == 0) return hint;
    }
    for (int i = 0; i < node->field_count; i++) {
        const field_t *f = &node->fields[i];
        if (f->key_length == length && memcmp(f->key, key, length) == 0) return i;
    }
    return -1;
}

/* After ``{``: the object's members, each key known (once), each value of its field's kind.
 * At the top level (``out`` given), the projected members are copied to ``*out``. */
static int skip_object(cursor_t *c, const node_t *node, int depth, char **out) {
    uint64_t seen = 0;
    int hint = 0, copied = 0;
    skip_space(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return 1;
    }
    for (;;) {
        const char *member = c->p;
        if (c->p >= c->end || *c->p != '"') return 0;
        c->p++;
        const char *key = c->p;
        int escaped = 0;
        if (!skip_string(c, &escaped) || escaped) return 0; /* an escaped key: the exact path */
        int index = find_field(node, key, c->p - 1 - key, hint);
        if (index < 0 || (seen >> index) & 1) return 0; /* unknown or repeated */
        seen |= (uint64_t)1 << index;
        hint = index + 1;
        skip_space(c);
        if (c->p >= c->end || *c->p != ':') return 0;
        c->p++;
        skip_space(c);
        const field_t *f = &node->fields[index];
        if (!skip_value(c, f->child, f->nullable, depth + 1)) return 0;
        if (out != NULL && (c->projector->projected >> index) & 1) {
            if (copied++) *(*out)++ = ',';
            memcpy(*out, member, c->p - member);
            *out += c->p - member;
        }
        int next = next_member(c, '}');
        if (next != 1) return next == 2;
    }
}

static int skip_list(cursor_t *c, const node_t *node, int depth) {
    skip_space(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return 1;
    }
    for (;;) {
        if (!skip_value(c, node->item, node->item_nullable, depth + 1)) return 0;
        int next = next_member(c, ']');
        if (next != 1) return next == 2;
    }
}

static int skip_value(cursor_t *c, int node_index, int nullable, int depth) {
    const node_t *node = &c->projector->nodes[node_index];
    if (depth > MAX_DEPTH || c->p >= c->end) return 0;
    char first = *c->p;
    if (first == 'n') return nullable && skip_word(c, "null", 4);
    switch (node->kind) {
    case K_STRING: {
        int escaped = 0;
        if (first != '"') return 0;
        c->p++;
        return skip_string(c, &escaped);
    }
    case K_BOOL:
        return first == 't' ? skip_word(c, "true", 4) : skip_word(c, "false", 5);
    case K_INT32:
    case K_INT64:
    case K_DOUBLE:
        return skip_number(c, node->kind);
    case K_STRUCT:
        if (first != '{') return 0;
        c->p++;
        return skip_object(c, node, depth, NULL);
    case K_LIST:
        if (first != '[') return 0;
        c->p++;
        return skip_list(c, node, depth);
    }
    return 0;
}

/* Every line of [start, end): one object, then spaces, then a line break or the end. */
static int project_block(const Projector *self, const char *start, const char *end, char *out,
                         Py_ssize_t *written, Py_ssize_t *lines) {
    cursor_t c = {start, end, self};
    char *o = out;
    Py_ssize_t count = 0;
    while (c.p < end) {
        if (*c.p != '{') return 0;
        c.p++;
        *o++ = '{';
        if (!skip_object(&c, &self->nodes[self->root], 0, &o)) return 0;
        *o++ = '}';
        *o++ = '\n';
        skip_space(&c);
        if (c.p < end) {
            if (*c.p != '\n') return 0;
            c.p++;
        }
        count++;
    }
    *written = o - out;
    *lines = count;
    return 1;
}

/* ---- the Python type ----------------------------------------------------------------------- */

static void Projector_dealloc(Projector *self) {
    if (self->nodes != NULL) {
        for (int i = 0; i < self->node_count; i++) PyMem_Free(self->nodes[i].fields);
        PyMem_Free(self->nodes);
    }
    Py_XDECREF(self->keys);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int fill_node(Projector *self, int index, PyObject *description) {
    node_t *node = &self->nodes[index];
    int kind;
    PyObject *argument;
    if (!PyArg_ParseTuple(description, "iO", &kind, &argument)) return -1;
    if (kind < K_STRING || kind > K_LIST) {
        PyErr_Format(PyExc_ValueError, "node %d: unknown kind %d", index, kind);
        return -1;
    }
    node->kind = kind;
    if (kind == K_LIST) {
        if (!PyArg_ParseTuple(argument, "ip", &node->item, &node->item_nullable)) return -1;
        if (node->item < 0 || node->item >= self->node_count) {
            PyErr_Format(PyExc_ValueError, "node %d: item node out of range", index);
            return -1;
        }
    } else if (kind == K_STRUCT) {
        if (!PyTuple_Check(argument) || PyTuple_GET_SIZE(argument) > MAX_FIELDS) {
            PyErr_Format(PyExc_ValueError, "node %d: fields must be a tuple of at most %d", index,
                         MAX_FIELDS);
            return -1;
        }
        node->field_count = (int)PyTuple_GET_SIZE(argument);
        node->fields = PyMem_Calloc(node->field_count ? node->field_count : 1, sizeof(field_t));
        if (node->fields == NULL) return -1;
        for (int i = 0; i < node->field_count; i++) {
            field_t *f = &node->fields[i];
            PyObject *key;
            PyObject *description = PyTuple_GET_ITEM(argument, i);
            if (!PyArg_ParseTuple(description, "Sip", &key, &f->child, &f->nullable)) return -1;
            if (f->child < 0 || f->child >= self->node_count) {
                PyErr_Format(PyExc_ValueError, "node %d: field %d's node out of range", index, i);
                return -1;
            }
            if (PyList_Append(self->keys, key) < 0) return -1;
            f->key = PyBytes_AS_STRING(key);
            f->key_length = PyBytes_GET_SIZE(key);
        }
    }
    return 0;
}

static int Projector_init(Projector *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"nodes", "root", "projected", NULL};
    PyObject *nodes;
    unsigned long long projected;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!iK", names, &PyTuple_Type, &nodes,
                                     &self->root, &projected))
        return -1;
    if (self->nodes != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "a Projector is initialized once");
        return -1;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(nodes);
    if (count < 1 || count > 100000 || self->root < 0 || self->root >= count) {
        PyErr_SetString(PyExc_ValueError, "nodes must be non-empty and root one of them");
        return -1;
    }
    self->keys = PyList_New(0);
    self->nodes = PyMem_Calloc(count, sizeof(node_t));
    if (self->keys == NULL || self->nodes == NULL) return -1;
    self->node_count = (int)count;
    for (int i = 0; i < self->node_count; i++)
        if (fill_node(self, i, PyTuple_GET_ITEM(nodes, i)) < 0) return -1;
    if (self->nodes[self->root].kind != K_STRUCT) {
        PyErr_SetString(PyExc_ValueError, "the root must be a struct");
        return -1;
    }
    self->projected = (uint64_t)projected;
    return 0;
}

static PyObject *Projector_project(Projector *self, PyObject *block_object) {
    Py_buffer block;
    if (self->nodes == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the Projector was not initialized");
        return NULL;
    }
    if (PyObject_GetBuffer(block_object, &block, PyBUF_SIMPLE) < 0) return NULL;
    /* A line's copy is never longer than the line, plus a line break for the last one. */
    PyObject *out = PyBytes_FromStringAndSize(NULL, block.len + 1);
    if (out == NULL) {
        PyBuffer_Release(&block);
        return NULL;
    }
    Py_ssize_t written = 0, lines = 0;
    int ok;
    Py_BEGIN_ALLOW_THREADS
    const char *start = block.buf;
    ok = project_block(self, start, start + block.len, PyBytes_AS_STRING(out), &written, &lines);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&block);
    if (!ok) {
        Py_DECREF(out);
        Py_RETURN_NONE;
    }
    if (_PyBytes_Resize(&out, written) < 0) return NULL;
    return Py_BuildValue("(Nn)", out, lines);
}

static PyMethodDef Projector_methods[] = {
    {"project", (PyCFunction)Projector_project, METH_O,
     "project(block) -> (bytes, lines) or None: see json_projection.py"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ProjectorType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mgdc_pipelines.sources.landing._json_projection.Projector",
    .tp_basicsize = sizeof(Projector),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Checks JSON lines against a schema and keeps the projected top-level keys.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Projector_init,
    .tp_dealloc = (destructor)Projector_dealloc,
    .tp_methods = Projector_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_json_projection",
    "JSON lines checked against a schema and cut down to some top-level keys (json_projection.py).",
    -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__json_projection(void) {
    if (PyType_Ready(&ProjectorType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&ProjectorType);
    if (PyModule_AddObject(m, "Projector", (PyObject *)&ProjectorType) < 0) {
        Py_DECREF(&ProjectorType);
        Py_DECREF(m);
        return NULL;
    }
    const struct { const char *name; long value; } kinds[] = {
        {"STRING", K_STRING}, {"BOOL", K_BOOL}, {"INT32", K_INT32}, {"INT64", K_INT64},
        {"DOUBLE", K_DOUBLE}, {"STRUCT", K_STRUCT}, {"LIST", K_LIST}, {"MAX_FIELDS", MAX_FIELDS},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (PyModule_AddIntConstant(m, kinds[i].name, kinds[i].value) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    return m;
}
