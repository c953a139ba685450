#!/usr/bin/env bash
echo "images: nothing to build yet"
