<?php
// Prints the API surface (functions, classes, methods, parameters) of either the loaded
// extension (argv[1] = "ext") or the stub file (argv[1] = path, run with php -n) as JSON.
declare(strict_types=1);

function sig(ReflectionFunctionAbstract $f): array
{
    $params = [];
    foreach ($f->getParameters() as $p) {
        $params[] = [$p->getName(), $p->isOptional(), $p->allowsNull()];
    }
    $ret = $f->getReturnType();
    return ['params' => $params, 'return' => $ret === null ? null : (string) $ret,
        'static' => $f instanceof ReflectionMethod && $f->isStatic()];
}

if ($argv[1] === 'ext') {
    $ext = new ReflectionExtension('tlsguard');
    $functions = array_keys($ext->getFunctions());
    $classes = array_keys($ext->getClasses());
} else {
    $before = [get_defined_functions()['user'], get_declared_classes()];
    require $argv[1];
    $functions = array_values(array_diff(get_defined_functions()['user'], $before[0]));
    $classes = array_values(array_diff(get_declared_classes(), $before[1]));
}
$out = ['functions' => [], 'classes' => []];
foreach ($functions as $fn) {
    $r = new ReflectionFunction($fn);
    $out['functions'][strtolower($r->getName())] = sig($r);
}
foreach ($classes as $cls) {
    $c = new ReflectionClass($cls);
    $methods = [];
    foreach ($c->getMethods() as $m) {
        if ($m->getDeclaringClass()->getName() === $c->getName()) {
            $methods[$m->getName()] = sig($m);
        }
    }
    ksort($methods);
    $props = [];
    foreach ($c->getProperties() as $p) {
        if ($p->getDeclaringClass()->getName() === $c->getName()) {
            $props[] = $p->getName();
        }
    }
    sort($props);
    $out['classes'][$c->getName()] = ['parent' => $c->getParentClass() ? $c->getParentClass()->getName() : null,
        'methods' => $methods, 'properties' => $props];
}
ksort($out['functions']);
ksort($out['classes']);
echo json_encode($out, JSON_PRETTY_PRINT), "\n";
