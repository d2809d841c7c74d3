"""Build hook of the cnnc package (the metadata is in pyproject.toml).

``pip install ./python`` from a cnnc clone records the clone's build
directory in the installed package (``cnnc/_origin.py``), so the installed
package finds the driver and libraries it was built next to; $CNNC_BUILD_DIR
and the ``cnnc`` in $PATH still come first (cnnc/_paths.py).
"""

import os

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildWithOrigin(build_py):
    def run(self):
        super().run()
        build = os.path.join(os.path.dirname(HERE), "build")
        target = os.path.join(self.build_lib, "cnnc", "_origin.py")
        with open(target, "w") as out:
            out.write('"""Written by setup.py: the build directory of the '
                      'clone this package was installed from."""\n\n'
                      f"BUILD_DIR = {build!r}\n")


setup(cmdclass={"build_py": BuildWithOrigin})
