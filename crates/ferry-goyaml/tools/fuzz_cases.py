"""Random and mutated inputs for differential runs against tools/oracle:

    python3 tools/fuzz_cases.py SEED > cases.jsonl
    GO111MODULE=off GOPATH=/usr/share/gocode go run ./tools/oracle < cases.jsonl > golden.jsonl
    GOYAML_GOLDEN=golden.jsonl cargo test -p ferry-goyaml --test oracle

Keys with digits make go-yaml's key order depend on Go map iteration
(its comparator is not transitive there), so toyaml cases avoid them.
"""
import json, random, os, sys
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
CORPUS='/work/shared/conformance'
texts=[]
for root,_,names in os.walk(CORPUS):
    for n in names:
        if n.endswith(('.yaml','.yml')):
            t=open(os.path.join(root,n),'rb').read().decode('utf-8','replace')
            if len(t) < 20000: texts.append(t)
atoms=['a','b','- ','-','? ',': ',':','\n','\n  ','\n    ',' ','  ','"','\'','[',']','{','}',',','#','&a ','*a','!!str ','!!int ','!t ','|','>','|-','>+','---','...','\t','yes','1','0x1f','1.5','~','null','<<','%YAML 1.1','\\','é','\u2028','x'*90,'word '*20,'2001-01-01','1:2','0o7']
def rand_doc():
    return ''.join(random.choice(atoms) for _ in range(random.randint(1,40)))
def mutate(t):
    b=list(t)
    for _ in range(random.randint(1,6)):
        op=random.random()
        i=random.randint(0,len(b)) if b else 0
        if op<0.4 and b:
            del b[i:i+random.randint(1,5)]
        elif op<0.8:
            b[i:i]=list(random.choice(atoms))
        else:
            j=random.randint(0,len(b)); b[i:i]=b[j:j+random.randint(1,30)]
    return ''.join(b)
cases=[]
for _ in range(3000):
    d=rand_doc()
    for m in ('decode','sigs'):
        cases.append({'mode':m,'input':d})
for _ in range(1500):
    t=random.choice(texts)
    if random.random()<0.5:
        lines=t.split('\n'); s=random.randint(0,len(lines)); t='\n'.join(lines[s:s+random.randint(1,40)])
    d=mutate(t)
    for m in ('decode','sigs'):
        cases.append({'mode':m,'input':d})
# toYaml of random structures
def rand_val(depth=0):
    r=random.random()
    if depth>3 or r<0.4:
        c=random.random()
        if c<0.5:
            return random.choice(atoms)*random.randint(1,3)+random.choice(['',' ','x','\n'])
        if c<0.8: return random.choice([0,1,-1,1.5,1e21,1e-7,3.0,123456.789,2**60,True,False,None])
        return ''.join(random.choice(atoms) for _ in range(random.randint(1,10)))
    if r<0.7:
        return {rand_key(): rand_val(depth+1) for _ in range(random.randint(0,6))}
    return [rand_val(depth+1) for _ in range(random.randint(0,5))]
def rand_key():
    return random.choice(['a','b','ab','key','x y','yes','',' k','k:','- k','Key','é','k\u2028'])+random.choice(['','x','Y','-',' '])
for _ in range(2000):
    cases.append({'mode':'toyaml','input':json.dumps(rand_val())})
for c in cases: print(json.dumps(c))
