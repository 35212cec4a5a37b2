add x0, x1, x2, lsl #3
add w0, w1, w2
adds x0, x1, #1
subs w0, w1, #1
cmp x1, x2
sub sp, sp, #16
add x0, sp, #8
mov x0, sp
mov sp, x1
adc x0, x1, x2
sbcs x0, x1, x2
ccmp x1, x2, #4, ne
ccmn w1, #3, #2, eq
csel x0, x1, x2, lt
csinc w0, w1, w2, ge
cset x0, eq
csneg x0, x1, x2, hi
and x0, x1, #0xff00ff00ff00ff00
orr w0, wzr, #0x1
eor x0, x1, #0x5555555555555555
ands x0, x1, #0x8000000000000000
tst w1, #0x3
bic x0, x1, x2
orn w0, w1, w2, lsr #4
eon x0, x1, x2, ror #8
mvn x0, x1
movz x0, #0x1234, lsl #16
movn w0, #0
movk x0, #0xbeef, lsl #48
mov x0, x1
mov w0, w1
lsl x0, x1, #4
lsr w0, w1, #31
asr x0, x1, #63
ubfx x0, x1, #8, #12
sbfx w0, w1, #4, #4
bfi x0, x1, #16, #8
bfxil w0, w1, #8, #8
sxtb x0, w1
sxth w0, w1
sxtw x0, w1
uxtb w0, w1
extr x0, x1, x2, #12
ror w0, w1, #7
lslv x0, x1, x2
asrv w0, w1, w2
rorv x0, x1, x2
udiv x0, x1, x2
sdiv w0, w1, w2
madd x0, x1, x2, x3
msub w0, w1, w2, w3
mul x0, x1, x2
smull x0, w1, w2
umaddl x0, w1, w2, x3
smulh x0, x1, x2
umulh x0, x1, x2
rbit w0, w1
rev x0, x1
rev w0, w1
rev16 x0, x1
rev32 x0, x1
clz x0, x1
cls w0, w1
add x0, x1, w2, sxtw #2
sub x0, sp, x2, uxtx
adds w0, w1, w2, uxtb
adr x0, #16
adrp x0, #8192
ldr x0, [x1, #8]
ldr w0, [x1], #4
ldr x0, [x1, #-8]!
ldrb w0, [x1, x2]
ldrsb x0, [x1, #1]
ldrsh w0, [x1]
ldrsw x0, [x1, w2, sxtw #2]
ldur x0, [x1, #-3]
str x0, [x1, #16]
strb w0, [x1], #1
strh w0, [x1, #-2]!
str w0, [x1, x2, lsl #2]
stp x0, x1, [sp, #-16]!
ldp x0, x1, [sp], #16
ldp w0, w1, [x2, #8]
ldpsw x0, x1, [x2]
ldxr x0, [x1]
stxr w2, x0, [x1]
ldaxr w0, [x1]
stlxr w2, w0, [x1]
ldar x0, [x1]
stlr w0, [x1]
ldxp x0, x3, [x1]
stxp w2, x0, x3, [x1]
clrex
b #8
bl #-4
b.eq #8
b.ne #8
cbz x0, #8
cbnz w0, #8
tbz x0, #63, #8
tbnz w0, #0, #8
br x1
blr x1
ret
svc #0
brk #1
nop
dmb ish
isb
mrs x0, tpidr_el0
msr tpidr_el0, x1
mrs x0, nzcv
msr nzcv, x1
mrs x0, dczid_el0
dc zva, x1
prfm pldl1keep, [x1]
ldr q0, [x1]
str q0, [x1, #16]
stp q0, q1, [x1, #32]
ldp q0, q1, [x1], #32
ldr d0, [x1, #8]
str s0, [x1]
ldr b0, [x1]
ldr h0, [x1, x2, lsl #1]
dup v0.16b, w1
dup v0.2d, x1
dup v0.4s, v1.s[1]
umov w0, v1.b[3]
mov x0, v1.d[1]
smov x0, v1.h[2]
mov v0.s[2], w1
mov v0.b[15], v1.b[0]
movi v0.16b, #0x5a
movi v0.2d, #0xff00ff00ff00ff00
movi v0.4s, #0x12, lsl #8
mvni v0.4h, #0x1
orr v0.8h, #0x3, lsl #8
and v0.16b, v1.16b, v2.16b
orr v0.16b, v1.16b, v1.16b
eor v0.8b, v1.8b, v2.8b
bic v0.16b, v1.16b, v2.16b
bsl v0.16b, v1.16b, v2.16b
cmeq v0.16b, v1.16b, v2.16b
cmeq v0.16b, v1.16b, #0
cmhs v0.4s, v1.4s, v2.4s
add v0.2d, v1.2d, v2.2d
sub v0.4s, v1.4s, v2.4s
addp v0.16b, v1.16b, v2.16b
umaxp v0.16b, v1.16b, v2.16b
uminv b0, v1.16b
umaxv b0, v1.16b
addv h0, v1.8h
cnt v0.8b, v1.8b
not v0.16b, v1.16b
rev64 v0.16b, v1.16b
ext v0.16b, v1.16b, v2.16b, #3
zip1 v0.16b, v1.16b, v2.16b
uzp2 v0.8h, v1.8h, v2.8h
ushr v0.2d, v1.2d, #8
shl v0.4s, v1.4s, #3
ushll v0.8h, v1.8b, #0
shrn v0.8b, v1.8h, #4
fmov d0, x1
fmov x0, d1
fmov s0, w1
fmov w0, s1
fmov d0, #1.0
fmov s0, #-2.5
fmov d0, d1
fadd d0, d1, d2
fsub s0, s1, s2
fmul d0, d1, d2
fdiv d0, d1, d2
fmax d0, d1, d2
fminnm d0, d1, d2
fnmul d0, d1, d2
fabs d0, d1
fneg s0, s1
fsqrt d0, d1
fsqrt s0, s1
fcvt s0, d1
fcvt d0, s1
frintm d0, d1
frinta d0, d1
fmadd d0, d1, d2, d3
fnmsub d0, d1, d2, d3
fcmp d1, d2
fcmp d1, #0.0
fcmpe s1, s2
fcsel d0, d1, d2, gt
fccmp d1, d2, #0, eq
scvtf d0, x1
ucvtf d0, x1
scvtf s0, w1
fcvtzs x0, d1
fcvtzu w0, d1
fcvtns x0, d1
fcvtms w0, s1
fcvtas x0, d1
mov v0.d[1], x1
b #-4
msr fpcr, x1
mrs x0, fpcr
mrs x0, ctr_el0
rbit v0.16b, v1.16b
rbit v0.8b, v1.8b
fnmul s0, s1, s2
fmul s0, s1, s2
scvtf s0, x1
ld1 {v0.16b, v1.16b}, [x2]
st1 {v0.16b, v1.16b}, [x27]
ld2 {v0.4s, v1.4s}, [x1], #32
ld3 {v0.8b, v1.8b, v2.8b}, [x1], x2
st4 {v0.4h, v1.4h, v2.4h, v3.4h}, [x0]
ld1 {v0.s}[1], [x1]
st1 {v0.d}[1], [x1], #8
ld1r {v0.4s}, [x1]
uaddw v0.2d, v0.2d, v5.2s
uaddw2 v0.4s, v0.4s, v2.8h
smull2 v0.2d, v1.4s, v2.4s
umlal v0.8h, v1.8b, v2.8b
addhn2 v0.16b, v1.8h, v2.8h
sqadd v0.8b, v1.8b, v2.8b
uqsub v0.4s, v1.4s, v2.4s
urhadd v0.16b, v1.16b, v2.16b
sshl v0.2d, v1.2d, v2.2d
mla v0.4s, v1.4s, v2.4s
sabd v0.8h, v1.8h, v2.8h
fadd v0.4s, v1.4s, v2.4s
fmla v0.2d, v1.2d, v2.2d
fcmgt v0.4s, v1.4s, v2.4s
faddp v0.4s, v1.4s, v2.4s
clz v0.4s, v1.4s
xtn2 v0.16b, v1.8h
sqxtn v0.4h, v1.4s
uaddlp v0.4s, v1.8h
fcvtzs v0.4s, v1.4s
scvtf v0.2d, v1.2d
fcvtn v0.2s, v1.2d
fcvtl2 v0.2d, v1.4s
frintm v0.2d, v1.2d
fcmlt v0.2d, v1.2d, #0.0
fmaxnmv s0, v1.4s
ssra v0.4s, v1.4s, #4
urshr v0.8h, v1.8h, #3
sri v0.2d, v1.2d, #8
sqshrn v0.8b, v1.8h, #2
scvtf v0.4s, v1.4s, #16
mla v0.4s, v1.4s, v2.s[1]
fmla v0.4s, v1.4s, v2.s[3]
umull v0.2d, v1.2s, v2.s[1]
tbl v0.16b, {v1.16b, v2.16b}, v3.16b
tbx v0.8b, {v1.16b}, v3.8b
shl d1, d1, #52
addp d0, v3.2d
mov s0, v1.s[3]
scvtf s0, s1
fcvtzs d0, d1
cmgt d0, d1, #0
add d0, d1, d2
fabd d0, d1, d2
fmul s0, s1, v2.s[1]
scvtf d0, w0, #2
fcvtzs x0, d1, #8
rbit v0.8b, v1.8b
msr fpcr, x1
mrs x0, fpcr
